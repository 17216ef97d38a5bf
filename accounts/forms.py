"""
django-allauth's forms with messages in the GOV.UK style: they say what to
do ("Enter your email address"), not what went wrong in the system's terms.
"""

from allauth.account import forms as allauth_forms
from django import forms

from .models import User

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
