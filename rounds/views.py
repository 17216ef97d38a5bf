from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, ListView, TemplateView

from accounts.permissions import OfficerRequiredMixin, PublicMixin
from accounts.roles import Role, has_role
from applicants.selectors import organisations_for_user

from . import selectors, services
from .forms import CopyRoundForm, CriterionFormSet, ProgrammeForm, RoundForm
from .models import Programme, Round, RoundStatus
from .selectors import open_rounds


class RoundListView(PublicMixin, ListView):
    """Rounds open now; public information, so anyone may look."""

    template_name = "rounds/round_list.html"
    context_object_name = "rounds"

    def get_queryset(self):
        return open_rounds()


class RoundDetailView(PublicMixin, TemplateView):
    template_name = "rounds/round_detail.html"

    def get_context_data(self, **kwargs):
        round = get_object_or_404(
            Round.objects.select_related("programme").exclude(status=RoundStatus.DRAFT),
            pk=kwargs["pk"],
        )
        return super().get_context_data(
            round=round,
            criteria=round.criteria.all(),
            organisations=(
                organisations_for_user(self.request.user)
                if self.request.user.is_authenticated
                else []
            ),
            enters_for_groups=has_role(self.request.user, Role.GRANT_OFFICER),
            **kwargs,
        )


# --- Setting up programmes and rounds (grant officers) -------------------------


class ProgrammeListView(OfficerRequiredMixin, ListView):
    template_name = "rounds/setup/programme_list.html"
    context_object_name = "programmes"
    paginate_by = 25

    def get_queryset(self):
        return selectors.programmes_for_setup()


class ProgrammeDetailView(OfficerRequiredMixin, TemplateView):
    template_name = "rounds/setup/programme_detail.html"
    paginate_by = 25

    def get_context_data(self, **kwargs):
        programme = get_object_or_404(Programme, pk=kwargs["pk"])
        page = Paginator(selectors.programme_rounds(programme), self.paginate_by).get_page(
            self.request.GET.get("page")
        )
        return super().get_context_data(programme=programme, page=page, **kwargs)


class ProgrammeFormView(OfficerRequiredMixin, FormView):
    """Add a programme, or change one when the URL names it."""

    template_name = "rounds/setup/programme_form.html"
    form_class = ProgrammeForm

    def get_programme(self) -> Programme | None:
        if "pk" not in self.kwargs:
            return None
        if not hasattr(self, "_programme"):
            self._programme = get_object_or_404(Programme, pk=self.kwargs["pk"])
        return self._programme

    def get_form_kwargs(self):
        programme = self.get_programme()
        return {
            **super().get_form_kwargs(),
            "instance": programme,
            "submit_label": "Save changes" if programme else "Add programme",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=self.get_programme(), **kwargs)

    def form_valid(self, form):
        programme = self.get_programme()
        values = {**form.cleaned_data, "eligible_legal_structures": list(
            form.cleaned_data["eligible_legal_structures"]
        )}
        try:
            if programme is None:
                programme = services.create_programme(actor=self.request.user, values=values)
                messages.success(self.request, f"You have added the programme {programme.name}.")
            else:
                programme = services.update_programme(
                    programme=programme, actor=self.request.user, values=values
                )
                messages.success(self.request, "Your changes to the programme have been saved.")
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return redirect("rounds:programme", pk=programme.pk)


class RoundFormView(OfficerRequiredMixin, FormView):
    """Add a round to a programme, or change a round's set-up."""

    template_name = "rounds/setup/round_form.html"
    form_class = RoundForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = selectors.round_for_setup(kwargs["pk"]) if "pk" in kwargs else None

    def get_programme(self) -> Programme:
        if self.round is not None:
            return self.round.programme
        return get_object_or_404(Programme, pk=self.kwargs["programme_pk"])

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.round,
            "scale_locked": bool(self.round and self.round.scoring_started),
            "submit_label": "Save changes" if self.round else "Add round",
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.round, programme=self.get_programme(), **kwargs
        )

    def form_valid(self, form):
        try:
            if self.round is None:
                round = services.create_round(
                    programme=self.get_programme(), actor=self.request.user, values=form.values()
                )
                messages.success(
                    self.request,
                    f"You have added {round.name} as a draft. Add its criteria, then publish it.",
                )
            else:
                round = services.update_round(
                    round=self.round, actor=self.request.user, values=form.values()
                )
                messages.success(self.request, "Your changes to the round have been saved.")
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        return redirect("rounds:setup", pk=round.pk)


class RoundSetupView(OfficerRequiredMixin, TemplateView):
    """A round's whole set-up on one page, with links to change each part."""

    template_name = "rounds/setup/round_setup.html"

    def get_context_data(self, **kwargs):
        round = selectors.round_for_setup(kwargs["pk"])
        criteria = selectors.criteria_with_shares(round)
        return super().get_context_data(
            round=round,
            criteria=criteria,
            can_change=round.status != RoundStatus.ARCHIVED,
            **kwargs,
        )


class CriteriaView(OfficerRequiredMixin, TemplateView):
    """
    Add, change, reorder and remove a round's criteria. Once scoring has
    started the page only shows them, and a posted change is refused by the
    service whatever the page sent.
    """

    template_name = "rounds/setup/criteria.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = selectors.round_for_setup(kwargs["pk"])

    def formset(self, data=None):
        return CriterionFormSet(
            data,
            instance=self.round,
            queryset=self.round.criteria.order_by("order", "pk"),
            form_kwargs={"round": self.round},
        )

    @property
    def locked(self) -> bool:
        return self.round.scoring_started or self.round.status == RoundStatus.ARCHIVED

    def get_context_data(self, **kwargs):
        formset = kwargs.pop("formset", None)
        context = {"round": self.round, "locked": self.locked}
        if self.locked:
            context["criteria"] = selectors.criteria_with_shares(self.round)
        else:
            context["formset"] = formset or self.formset()
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        formset = self.formset(request.POST)
        if not self.locked:
            if "add" in request.POST:
                return self.render_to_response(
                    self.get_context_data(formset=formset.add_another())
                )
            if not formset.is_valid():
                return self.render_to_response(self.get_context_data(formset=formset))
        # The page offers no form when the criteria are locked, so a post
        # then is crafted or stale: the service refuses it, whatever it holds.
        criteria = formset.criteria() if formset.is_valid() else []
        try:
            services.set_criteria(round=self.round, actor=request.user, criteria=criteria)
        except ValidationError as error:
            if self.locked:
                messages.error(request, " ".join(error.messages))
                return redirect("rounds:criteria", pk=self.round.pk)
            formset._non_form_errors = formset.error_class(error.messages)
            return self.render_to_response(self.get_context_data(formset=formset))
        messages.success(request, "The round's criteria have been saved.")
        return redirect("rounds:setup", pk=self.round.pk)


class RoundTransitionView(OfficerRequiredMixin, TemplateView):
    """A page asking the officer to confirm a change of the round's status."""

    template_name = "rounds/setup/round_transition.html"
    action = ""
    service = None
    done_message = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = selectors.round_for_setup(kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(round=self.round, action=self.action, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            self.service(round=self.round, actor=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages))
        messages.success(request, self.done_message.format(round=self.round))
        return redirect("rounds:setup", pk=self.round.pk)


class PublishRoundView(RoundTransitionView):
    action = "publish"
    service = staticmethod(services.publish_round)
    done_message = "{round.name} is published. Groups can apply from its opening time."


class ArchiveRoundView(RoundTransitionView):
    action = "archive"
    service = staticmethod(services.archive_round)
    done_message = "{round.name} is archived."


class CopyRoundView(OfficerRequiredMixin, FormView):
    template_name = "rounds/setup/round_copy.html"
    form_class = CopyRoundForm

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.round = selectors.round_for_setup(kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            round=self.round, criteria=selectors.criteria_with_shares(self.round), **kwargs
        )

    def form_valid(self, form):
        try:
            copy = services.copy_round(source=self.round, actor=self.request.user, **form.dates())
        except ValidationError as error:
            form.add_service_error(error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"You have copied {self.round.name} into {copy.name}, a draft. "
            "Check its set-up, then publish it.",
        )
        return redirect("rounds:setup", pk=copy.pk)
