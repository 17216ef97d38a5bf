"""Factories for organisations and their members."""

from decimal import Decimal

import factory
from django.utils import timezone

from accounts.roles import Role
from applicants.choices import District, LegalStructure, MembershipRole
from applicants.models import DocumentKind, Membership, Organisation, OrganisationDocument
from tests.accounts.factories import UserFactory


class OrganisationFactory(factory.django.DjangoModelFactory):
    """A registered charity in Blaby with verified bank details."""

    name = factory.Sequence(lambda n: f"Test Community Group {n}")
    legal_structure = LegalStructure.REGISTERED_CHARITY
    charity_number = factory.Sequence(lambda n: f"{1100000 + n}")
    company_number = ""
    address_line_1 = factory.Sequence(lambda n: f"{n + 1} Station Road")
    town = "Enderby"
    postcode = "LE19 4AB"
    district = District.BLABY
    annual_income = Decimal("25000.00")
    bank_account_name = factory.SelfAttribute("name")
    bank_sort_code = "401234"
    bank_account_number = factory.Sequence(lambda n: f"{12345000 + n:08d}")
    bank_details_verified_at = factory.LazyFunction(timezone.now)

    class Meta:
        model = Organisation


class MembershipFactory(factory.django.DjangoModelFactory):
    """An applicant who owns an organisation."""

    user = factory.SubFactory(UserFactory, roles=[Role.APPLICANT])
    organisation = factory.SubFactory(OrganisationFactory)
    role = MembershipRole.OWNER

    class Meta:
        model = Membership


# The smallest bytes each checker recognises as its type.
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class OrganisationDocumentFactory(factory.django.DjangoModelFactory):
    organisation = factory.SubFactory(OrganisationFactory)
    kind = DocumentKind.GOVERNING_DOCUMENT
    file = factory.django.FileField(data=PDF_BYTES, filename="upload")
    original_name = "Constitution.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SubFactory(UserFactory)

    class Meta:
        model = OrganisationDocument
