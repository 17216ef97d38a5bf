"""Alternative formats and contact preferences: recorded by the group, shown plainly to officers."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEvent
from accounts.roles import Role
from applicants.choices import AlternativeFormat, ContactMethod, MembershipRole
from applicants.models import Organisation
from applicants.services import update_access_needs
from tests.applicants.factories import OrganisationFactory


def post(client, organisation, data):
    return client.post(reverse("applicants:access_needs", args=[organisation.pk]), data)


def test_a_group_records_its_formats_and_how_to_contact_it(client_as, owner):
    organisation = owner.organisation
    response = post(
        client_as(owner.user),
        organisation,
        {
            "alternative_formats": ["large_print", "another_language"],
            "alternative_format_language": " Polish ",
            "contact_methods": ["telephone", "post"],
            "contact_telephone": "0116  496 0123",
            "alternative_format_request": "Please call after 2pm.",
        },
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.alternative_formats == ["another_language", "large_print"]
    assert organisation.alternative_format_language == "Polish"
    assert organisation.contact_methods == ["post", "telephone"]
    assert organisation.contact_telephone == "0116 496 0123"
    event = AuditEvent.objects.get(verb="access_needs_updated")
    assert "alternative_formats" in event.data["changed"]
    hub = client_as(owner.user).get(reverse("applicants:detail", args=[organisation.pk])).content.decode()
    assert "Large print and Polish" in hub
    assert "Telephone or post" in hub
    assert "0116 496 0123" in hub


@pytest.mark.parametrize(
    "data,message",
    [
        ({"alternative_formats": ["another_language"]}, "Enter the language you need"),
        ({"contact_methods": ["telephone"]}, "Enter a telephone number, or do not choose telephone"),
        ({"contact_telephone": "call me"}, "Enter a telephone number, like 0116 496 0123"),
        ({"contact_telephone": "0116"}, "Enter a telephone number, like 0116 496 0123"),
        ({"alternative_formats": ["smoke signals"]}, "Choose formats from the list"),
        ({"contact_methods": ["pigeon"]}, "Choose ways to contact you from the list"),
        ({"alternative_format_request": "x" * 501}, "This must be 500 characters or fewer"),
    ],
)
def test_incomplete_answers_get_a_clear_message_and_keep_what_was_typed(client_as, owner, data, message):
    organisation = owner.organisation
    typed = {"alternative_format_request": "<b>Our secretary</b> is deaf", **data}
    response = post(client_as(owner.user), organisation, typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "<title>Error: Access needs and contact preferences" in html
    if "x" * 501 not in typed["alternative_format_request"]:
        assert "&lt;b&gt;Our secretary&lt;/b&gt; is deaf" in html
    assert Organisation.objects.get(pk=organisation.pk).alternative_format_request == ""


def test_a_language_is_not_kept_once_another_language_is_no_longer_chosen(owner, client_as):
    organisation = owner.organisation
    organisation.alternative_formats = ["another_language"]
    organisation.alternative_format_language = "Gujarati"
    organisation.save()
    post(
        client_as(owner.user),
        organisation,
        {"alternative_formats": ["audio"], "alternative_format_language": "Gujarati"},
    )
    organisation.refresh_from_db()
    assert organisation.alternative_formats == ["audio"]
    assert organisation.alternative_format_language == ""


def test_viewers_and_strangers_cannot_change_access_needs(organisation, add_member, make_user):
    for actor in (add_member(organisation, MembershipRole.VIEWER).user, make_user(Role.APPLICANT)):
        with pytest.raises(PermissionDenied):
            update_access_needs(
                organisation=organisation, actor=actor, data={"alternative_formats": ["braille"]}
            )


def test_officers_read_access_needs_in_plain_words():
    organisation = OrganisationFactory.build(
        alternative_formats=[AlternativeFormat.LARGE_PRINT, AlternativeFormat.BRAILLE],
        contact_methods=[ContactMethod.TELEPHONE],
        contact_telephone="0116 496 0123",
        alternative_format_request="Ask for Sam <b>",
    )
    html = render_to_string("applicants/includes/access_needs.html", {"organisation": organisation})
    assert "Needs information in large print and Braille." in html
    assert "Prefers contact by telephone (0116 496 0123)." in html
    assert "Ask for Sam &lt;b&gt;" in html


def test_post_as_a_preference_gives_officers_the_address():
    organisation = OrganisationFactory.build(contact_methods=["post"], address_line_1="3 Mill Lane")
    html = render_to_string("applicants/includes/access_needs.html", {"organisation": organisation})
    assert "Prefers contact by post. Postal address: 3 Mill Lane, Enderby, LE19 4AB." in html


def test_an_organisation_without_access_needs_shows_nothing_to_officers():
    html = render_to_string(
        "applicants/includes/access_needs.html", {"organisation": OrganisationFactory.build()}
    )
    assert html.strip() == ""


def test_the_officers_application_page_shows_the_access_needs(client_as, make_user):
    from grants.models import ApplicationStatus
    from tests.grants.factories import ApplicationFactory

    application = ApplicationFactory(
        status=ApplicationStatus.SUBMITTED,
        organisation=OrganisationFactory(alternative_formats=["audio"], contact_methods=["email"]),
    )
    officer = make_user(Role.GRANT_OFFICER)
    html = (
        client_as(officer).get(reverse("grants:officer_application", args=[application.pk])).content.decode()
    )
    assert "Needs information in audio." in html
    assert "Prefers contact by email." in html


@pytest.mark.django_db
def test_the_migration_reads_formats_out_of_old_free_text_and_keeps_the_text():
    migration = importlib.import_module("applicants.migrations.0003_access_needs_bank_check_invitations")
    organisation = OrganisationFactory(
        alternative_format_request="Large print please, and Braille for one member"
    )
    untouched = OrganisationFactory(alternative_format_request="Call Sam")
    migration.read_old_requests(django_apps, None)
    organisation.refresh_from_db()
    untouched.refresh_from_db()
    assert organisation.alternative_formats == ["braille", "large_print"]
    assert organisation.alternative_format_request == "Large print please, and Braille for one member"
    assert untouched.alternative_formats == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.fixed_dictionaries(
        {},
        optional={
            "alternative_formats": st.lists(
                st.one_of(st.sampled_from(AlternativeFormat.values), st.text(max_size=20)), max_size=5
            ),
            "alternative_format_language": st.text(max_size=150),
            "contact_methods": st.lists(
                st.one_of(st.sampled_from(ContactMethod.values), st.text(max_size=20)), max_size=4
            ),
            "contact_telephone": st.text(max_size=40),
            "alternative_format_request": st.text(max_size=600),
        },
    )
)
def test_random_access_needs_never_cause_a_server_error_or_lose_data(client_as, owner, data):
    organisation = owner.organisation
    before = Organisation.objects.get(pk=organisation.pk)
    clean = {
        k: [x.replace("\x00", "") for x in v] if isinstance(v, list) else v.replace("\x00", "")
        for k, v in data.items()
    }
    response = post(client_as(owner.user), organisation, clean)
    assert response.status_code in (200, 302)
    after = Organisation.objects.get(pk=organisation.pk)
    if response.status_code == 200:
        for field in Organisation.ACCESS_NEEDS_FIELDS:
            assert getattr(after, field) == getattr(before, field)
    assert set(after.alternative_formats) <= set(AlternativeFormat.values)
    assert set(after.contact_methods) <= set(ContactMethod.values)
