"""The organisation's hub and changing its profile."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import District, LegalStructure, MembershipRole
from applicants.models import Organisation
from applicants.services import update_organisation_profile


def profile_data(organisation, **changes):
    """The profile form as posted, from the organisation's current values."""
    data = {
        "name": organisation.name,
        "legal_structure": organisation.legal_structure,
        "charity_number": organisation.charity_number,
        "company_number": organisation.company_number,
        "address_line_1": organisation.address_line_1,
        "address_line_2": organisation.address_line_2,
        "town": organisation.town,
        "postcode": organisation.postcode,
        "district": organisation.district,
        "parish": organisation.parish,
        "annual_income": str(organisation.annual_income),
        "communities_served": organisation.communities_served,
        "volunteers_count": str(organisation.volunteers_count),
    }
    return {**data, **changes}


def audit_rows(organisation, verb):
    return AuditEvent.objects.filter(
        content_type__model="organisation", object_id=str(organisation.pk), verb=verb
    )


def test_the_hub_shows_the_profile_with_change_links_for_an_owner(client_as, owner):
    organisation = owner.organisation
    page = client_as(owner.user).get(reverse("applicants:detail", args=[organisation.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count("<h1") == 1
    assert f"<title>{organisation.name} – Community Grants – Leicestershire County Council</title>" in html
    assert "LE19 4AB" in html
    assert "£25,000.00" in html
    assert reverse("applicants:edit", args=[organisation.pk]) in html
    assert 'Change<span class="govuk-visually-hidden"> organisation name</span>' in html
    for section in ["Access needs and contact preferences", "Bank details", "Documents", "Members"]:
        assert section in html


def test_a_viewer_sees_the_hub_without_change_links_and_cannot_open_the_edit_page(
    client_as, organisation, add_member
):
    viewer = add_member(organisation, MembershipRole.VIEWER)
    client = client_as(viewer.user)
    html = client.get(reverse("applicants:detail", args=[organisation.pk])).content.decode()
    assert "You can see its details but not change them" in html
    assert ">Change<" not in html
    for name in ["edit", "access_needs", "bank_details"]:
        url = reverse(f"applicants:{name}", args=[organisation.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, profile_data(organisation, name="Taken over")).status_code == 403
    organisation.refresh_from_db()
    assert organisation.name != "Taken over"


def test_an_editor_changes_the_profile_and_the_audit_lists_what_changed(client_as, organisation, add_member):
    editor = add_member(organisation, MembershipRole.EDITOR)
    response = client_as(editor.user).post(
        reverse("applicants:edit", args=[organisation.pk]),
        profile_data(organisation, postcode="le3 8ra", annual_income="£31,500", district=District.CHARNWOOD),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("applicants:detail", args=[organisation.pk])
    organisation.refresh_from_db()
    assert organisation.postcode == "LE3 8RA"
    assert organisation.annual_income == Decimal("31500")
    event = audit_rows(organisation, "organisation_profile_updated").get()
    assert event.actor == editor.user
    assert sorted(event.data["changed"]) == ["annual_income", "district", "postcode"]
    assert event.data["changes"]["postcode"] == {"from": "LE19 4AB", "to": "LE3 8RA"}


def test_saving_without_changes_writes_no_audit_row(client_as, owner):
    organisation = owner.organisation
    client_as(owner.user).post(reverse("applicants:edit", args=[organisation.pk]), profile_data(organisation))
    assert not audit_rows(organisation, "organisation_profile_updated").exists()


def test_the_edit_page_starts_with_the_current_details(client_as, owner):
    html = (
        client_as(owner.user).get(reverse("applicants:edit", args=[owner.organisation.pk])).content.decode()
    )
    assert f'value="{owner.organisation.name}"' in html
    assert "<title>Change your organisation's details – Community Grants" in html


def test_a_bad_profile_keeps_everything_typed_and_changes_nothing(client_as, owner):
    organisation = owner.organisation
    response = client_as(owner.user).post(
        reverse("applicants:edit", args=[organisation.pk]),
        profile_data(
            organisation,
            name="<script>alert(1)</script> Lunch Club",
            postcode="NOT A POSTCODE",
            legal_structure=LegalStructure.CIO,
            charity_number="",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Change your organisation" in html
    assert "There is a problem" in html
    assert 'href="#id_postcode"' in html
    assert "Enter a real postcode, like LE3 8RA" in html
    assert "Enter your charity number" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Lunch Club" in html
    assert "<script>alert(1)" not in html
    assert 'value="NOT A POSTCODE"' in html
    before = organisation.name
    organisation.refresh_from_db()
    assert organisation.name == before


def test_the_service_refuses_viewers_and_strangers(organisation, add_member, make_user):
    viewer = add_member(organisation, MembershipRole.VIEWER).user
    stranger = make_user(Role.APPLICANT)
    for actor in (viewer, stranger):
        with pytest.raises(PermissionDenied):
            update_organisation_profile(organisation=organisation, actor=actor, data={"name": "X"})
    assert Organisation.objects.get(pk=organisation.pk).name != "X"


def test_a_grant_officer_may_correct_a_profile_for_a_group(organisation, make_user):
    officer = make_user(Role.GRANT_OFFICER)
    update_organisation_profile(organisation=organisation, actor=officer, data={"town": "Glenfield"})
    assert Organisation.objects.get(pk=organisation.pk).town == "Glenfield"


def test_the_service_ignores_fields_that_are_not_profile_fields(owner):
    organisation = owner.organisation
    update_organisation_profile(
        organisation=organisation,
        actor=owner.user,
        data={"bank_account_number": "99999999", "bank_details_verified_at": None, "name": "New"},
    )
    organisation.refresh_from_db()
    assert organisation.name == "New"
    assert organisation.bank_account_number != "99999999"


def test_setting_up_an_organisation_makes_it_the_current_one(client_as, make_user):
    user = make_user(Role.APPLICANT)
    client = client_as(user)
    data = profile_data(
        Organisation(
            name="Glenfield Carers",
            legal_structure=LegalStructure.UNINCORPORATED,
            address_line_1="1 Main Street",
            town="Glenfield",
            postcode="LE3 8RA",
            district=District.BLABY,
            annual_income=Decimal("900"),
            volunteers_count=4,
        )
    )
    assert client.post(reverse("applicants:create"), data).status_code == 302
    organisation = Organisation.objects.get(name="Glenfield Carers")
    assert client.session["current_organisation_id"] == organisation.pk
    assert organisation.memberships.get().role == MembershipRole.OWNER


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            field: st.text(max_size=300)
            for field in [
                "name",
                "legal_structure",
                "charity_number",
                "company_number",
                "address_line_1",
                "town",
                "postcode",
                "district",
                "annual_income",
                "volunteers_count",
                "parish",
            ]
        },
    )
)
def test_random_profile_input_never_causes_a_server_error_or_loses_data(client_as, owner, data):
    organisation = owner.organisation
    before = Organisation.objects.get(pk=organisation.pk)
    clean = {k: v.replace("\x00", "") for k, v in data.items()}
    response = client_as(owner.user).post(reverse("applicants:edit", args=[organisation.pk]), clean)
    assert response.status_code in (200, 302)
    after = Organisation.objects.get(pk=organisation.pk)
    if response.status_code == 200:
        for field in Organisation.PROFILE_FIELDS:
            assert getattr(after, field) == getattr(before, field)
    assert after.bank_account_number == before.bank_account_number
    assert after.memberships.filter(role=MembershipRole.OWNER).exists()
