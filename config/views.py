"""Small helpers every app's views share."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from accounts.permissions import public


def add_service_errors(form, error: ValidationError) -> None:
    """
    Show a service's refusal on the form (and so in the error summary):
    beside the field it names, when it raised ValidationError({field: ...}).
    """
    if hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for message in error.messages:
        form.add_error(None, message)


@public
def healthz(request) -> HttpResponse:
    """For load balancers and container health checks: no database work."""
    return HttpResponse("ok", content_type="text/plain")


@public
def accessibility_statement(request):
    return render(request, "accessibility.html")
