"""Factories for people. Other apps' factories build on these."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role

TEST_PASSWORD = "a-test-password-2026"


class UserFactory(factory.django.DjangoModelFactory):
    """
    A user who can sign in with TEST_PASSWORD and a verified email address.
    `UserFactory(roles=[Role.FINANCE])` adds the role groups; administrators
    are also made staff, as `accounts.services.grant_role` does.
    """

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Test Person {n}")
    password = factory.django.Password(TEST_PASSWORD)
    is_active = True

    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for role in extracted:
            group, _ = Group.objects.get_or_create(name=str(role))
            self.groups.add(group)
        if Role.ADMINISTRATOR in extracted and not self.is_staff:
            self.is_staff = True
            self.save(update_fields=["is_staff"])
        # Drop the per-request cache so has_role sees the new groups.
        self.__dict__.pop("_role_names", None)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """allauth refuses sign-in until the address is verified; pass False to leave it so."""
        if not create or extracted is False:
            return
        EmailAddress.objects.get_or_create(
            user=self, email=self.email, defaults={"verified": True, "primary": True}
        )

