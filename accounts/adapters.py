from allauth.account.adapter import DefaultAccountAdapter
from django.db import transaction

from .roles import Role


class AccountAdapter(DefaultAccountAdapter):
    """People who sign themselves up are applicants; staff are set up by administrators."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_password_mismatch": (
            "The email address or password is not right. Check them and try again."
        ),
        "enter_current_password": "Enter your current password",
        "incorrect_password": "The password is not right",
        "invalid_or_expired_key": (
            "This link has expired or has already been used. Ask for a new one."
        ),
        "invalid_password_reset": (
            "This password reset link has expired or has already been used. Ask for a new one."
        ),
        "too_many_login_attempts": (
            "You have tried to sign in too many times. Wait a few minutes and try again."
        ),
        "unverified_primary_email": "Confirm your email address before you continue",
        "same_as_current": "Enter a different value from the one you have now",
    }

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            from .services import grant_role

            with transaction.atomic():
                grant_role(user=user, role=Role.APPLICANT, actor=user)
        return user
