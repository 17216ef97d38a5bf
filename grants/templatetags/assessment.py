"""Small template helpers for the assessment pages."""

from django import template

register = template.Library()


@register.filter
def is_selected(choice, current) -> bool:
    """Whether a select's option is the current value (a single value or django-filter's list)."""
    if isinstance(current, (list, tuple)):
        current = current[0] if current else ""
    return str(choice) == str(current if current is not None else "")
