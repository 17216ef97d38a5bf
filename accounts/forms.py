"""
django-allauth's forms with messages in the GOV.UK style: they say what to
do ("Enter your email address"), not what went wrong in the system's terms.
"""

from allauth.account import forms as allauth_forms
from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms

from .models import User
from .roles import STAFF_ROLES, Role

FIELD_MESSAGES = {
    "login": {"required": "Enter your email address"},
    "email": {
        "required": "Enter your email address",
        "invalid": "Enter an email address in the correct format, like name@example.com",
    },
    "password": {"required": "Enter your password"},
    "oldpassword": {"required": "Enter your current password"},
    "password1": {"required": "Enter a password"},
    "password2": {"required": "Enter the password again"},
}


class GovukMessagesMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, messages in FIELD_MESSAGES.items():
            if name in self.fields:
                self.fields[name].error_messages.update(messages)
        if "email" in self.fields:
            # EmailField validates with a validator whose message is its own.
            for validator in self.fields["email"].validators:
                if hasattr(validator, "message"):
                    validator.message = FIELD_MESSAGES["email"]["invalid"]


class LoginForm(GovukMessagesMixin, allauth_forms.LoginForm):
    pass


class SignupForm(GovukMessagesMixin, allauth_forms.SignupForm):
    pass


class ResetPasswordForm(GovukMessagesMixin, allauth_forms.ResetPasswordForm):
    pass


class ResetPasswordKeyForm(GovukMessagesMixin, allauth_forms.ResetPasswordKeyForm):
    pass


class ChangePasswordForm(GovukMessagesMixin, allauth_forms.ChangePasswordForm):
    pass


class AddEmailForm(GovukMessagesMixin, allauth_forms.AddEmailForm):
    pass


class SubjectAccessForm(forms.Form):
    email = forms.EmailField(
        label="Email address of the person",
        error_messages={
            "required": "Enter the email address of the person who asked",
            "invalid": "Enter an email address in the correct format, like name@example.com",
        },
    )

    def clean_email(self):
        from .selectors import get_user_by_email

        email = self.cleaned_data["email"]
        try:
            self.subject = get_user_by_email(email)
        except User.DoesNotExist:
            raise forms.ValidationError(
                "No account uses this email address. Check it, or search the audit log for "
                "the person's organisation."
            ) from None
        return email


ROLE_HINTS = {
    Role.APPLICANT: "Applies for grants for a group. Everyone who creates their own account has it.",
    Role.ASSESSOR: "Scores the applications given to them, after declaring any conflict of interest.",
    Role.GRANT_OFFICER: "Sets up rounds, screens applications, assigns assessors and recommends.",
    Role.APPROVER: "Decides on recommendations, within each round’s budget.",
    Role.FINANCE: "Checks bank details, builds and approves payment runs, exports ledgers.",
    Role.ADMINISTRATOR: "Manages people and their roles, reads the audit log, exports personal data.",
}


def role_choices(roles) -> list[Choice]:
    return [Choice(role.value, role.label, hint=ROLE_HINTS[role]) for role in Role if role in roles]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        help_text="Select all that apply. Someone with no role can sign in but use no page.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose roles from the list"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices(Role)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.checkboxes("roles", legend_size=Size.MEDIUM, small=True),
            Submit("save", "Save roles"),
        )


class StaffMemberForm(forms.Form):
    full_name = forms.CharField(
        label="Full name",
        max_length=200,
        error_messages={
            "required": "Enter their full name",
            "max_length": "The name must be 200 characters or fewer",
        },
    )
    email = forms.EmailField(
        label="Email address",
        help_text="Their council email address. We will email them a link to set their password.",
        max_length=254,
        error_messages={
            "required": "Enter their email address",
            "invalid": "Enter an email address in the correct format, like name@example.com",
            "max_length": "Enter an email address in the correct format, like name@example.com",
        },
    )
    roles = forms.MultipleChoiceField(
        label="Roles",
        help_text="Select all that apply.",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one role",
            "invalid_choice": "Choose roles from the list",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = role_choices(STAFF_ROLES)
        self.fields["full_name"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("full_name", field_width=Fluid.TWO_THIRDS),
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.checkboxes("roles", legend_size=Size.SMALL, small=True),
            Submit("add", "Add staff member"),
        )

