"""
Random input on every applying form: never a server error, and nothing saved
elsewhere is lost. Text includes unicode, HTML, null characters and huge
values; amounts and dates include what people type by mistake.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grants.models import Application
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import PDF_BYTES, ApplicationFactory, AttachmentFactory
from tests.rounds.factories import outcome

# Lone surrogates cannot be sent in a request at all, so they are left out.
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)
LONG_TEXT = st.one_of(TEXT, st.text(alphabet="ab <>&\"'\n", min_size=4990, max_size=5100))
TYPED = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "£1,200.50",
            "1e400",
            "NaN",
            "-1",
            "0",
            "31",
            "02",
            "2027",
            "99999999999999",
            " ",
            "<script>alert(1)</script>",
            "٣",
            "1 200",
        ]
    ),
)
CHOICES = st.lists(
    st.one_of(TYPED, st.sampled_from(["E07000129", "leicestershire", "yes"])), max_size=4
)
BUTTON = st.sampled_from(["continue", "save_and_return", "add_line", "remove", "check"])
EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fields(*names, lists=()):
    return st.fixed_dictionaries(
        {},
        optional={
            **dict.fromkeys(names, TYPED),
            **dict.fromkeys(lists, CHOICES),
        },
    )


DATE_PARTS = [f"project_{which}_{part}" for which in ("start", "end") for part in range(3)]


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def draft(member):
    application = ApplicationFactory(
        organisation=member.organisation,
        title="Kept title",
        summary="Kept summary",
        beneficiaries="Kept people",
        beneficiaries_count=12,
        districts_served=["E07000129"],
        amount_requested=Decimal("4000.00"),
        budget_lines=[("Kept line", Decimal("4000.00"))],
    )
    application.outcomes.add(outcome("5.5"))
    AttachmentFactory(application=application)
    return application


def snapshot(application) -> dict:
    application = Application.objects.get(pk=application.pk)
    return {
        "project": (
            application.title,
            application.summary,
            application.project_start,
            application.project_end,
        ),
        "beneficiaries": (
            application.beneficiaries,
            application.beneficiaries_count,
            application.districts_served,
        ),
        "outcomes": sorted(application.outcomes.values_list("code", flat=True)),
        "budget": (
            application.amount_requested,
            list(application.budget_lines.values_list("item", "amount")),
        ),
        "documents": list(application.attachments.values_list("pk", flat=True)),
        "status": application.status,
    }


def post_and_check(client, draft, section, url, data):
    before = snapshot(draft)
    response = client.post(url, data)
    assert response.status_code in (200, 302), response.status_code
    after = snapshot(draft)
    for key in before:
        if key != section:
            assert after[key] == before[key], f"{key} changed by a post to {section}"
    return response


@pytest.mark.parametrize(
    "section,strategy",
    [
        ("project", fields("title", "summary", *DATE_PARTS)),
        (
            "beneficiaries",
            fields("beneficiaries", "beneficiaries_count", lists=["districts_served"]),
        ),
        ("outcomes", fields(lists=[f"theme_{n}" for n in range(4, 9)])),
        (
            "budget",
            fields(
                "amount_requested",
                "remove",
                *[f"{kind}_{n}" for kind in ("item", "cost") for n in (0, 1, 2, 49, 50, 999)],
            ),
        ),
        ("documents", fields("kind")),
    ],
)
def test_random_input_to_a_section_never_fails_or_loses_other_sections(
    member, draft, client_as, section, strategy
):
    client = client_as(member.user)
    url = reverse(f"grants:section_{section}", args=[draft.pk])

    @EXAMPLES
    @given(data=strategy, button=BUTTON)
    def run(data, button):
        post_and_check(client, draft, section, url, {**data, button: ""})

    run()


def test_random_files_are_refused_or_stored_never_a_server_error(member, draft, client_as):
    client = client_as(member.user)
    url = reverse("grants:section_documents", args=[draft.pk])

    @EXAMPLES
    @given(
        content=st.one_of(st.binary(max_size=300), st.just(PDF_BYTES)),
        name=TEXT,
        kind=st.one_of(TYPED, st.sampled_from(["quote", "accounts"])),
    )
    def run(content, name, kind):
        upload = SimpleUploadedFile(name.replace("\x00", "") or "file", content)
        post_and_check(
            client, draft, "documents", url, {"kind": kind, "upload": "", "file": upload}
        )

    run()


def test_random_answers_to_the_checker_never_fail(member, draft, client_as):
    client = client_as(member.user)
    url = reverse("grants:eligibility", args=[draft.round.pk])
    strategy = fields("organisation", "amount", "based_in", "serves_leicestershire", *DATE_PARTS)

    @EXAMPLES
    @given(data=strategy)
    def run(data):
        assert client.post(url, data).status_code == 200

    run()


def test_random_starts_never_fail_nor_start_twice(member, draft, client_as):
    client = client_as(member.user)
    strategy = fields(
        "round", "organisation", "amount", "based_in", "serves_leicestershire", *DATE_PARTS
    )

    @EXAMPLES
    @given(data=strategy)
    def run(data):
        response = client.post(reverse("grants:start"), data)
        assert response.status_code in (302, 404)
        assert Application.objects.filter(organisation=member.organisation).count() <= 2

    run()


def test_random_declarations_and_withdrawals_never_fail(member, draft, client_as):
    client = client_as(member.user)

    @EXAMPLES
    @given(
        declaration=fields("declaration_name", "confirm"),
        reason=fields("reason"),
        which=st.sampled_from(["submit", "withdraw"]),
    )
    def run(declaration, reason, which):
        data = declaration if which == "submit" else reason
        response = client.post(reverse(f"grants:{which}", args=[draft.pk]), data)
        assert response.status_code in (200, 302)
        assert Application.objects.filter(pk=draft.pk).exists()

    run()


def test_random_autosaves_never_fail_nor_touch_other_answers(member, draft, client_as):
    client = client_as(member.user)
    url = reverse("grants:autosave", args=[draft.pk])

    @EXAMPLES
    @given(field=st.one_of(TYPED, st.sampled_from(["summary", "beneficiaries"])), value=LONG_TEXT)
    def run(field, value):
        before = snapshot(draft)
        response = client.post(url, {"field": field, "value": value})
        assert response.status_code in (200, 400)
        assert "saved" in response.json()
        after = snapshot(draft)
        assert after["budget"] == before["budget"] and after["outcomes"] == before["outcomes"]
        assert after["project"][0] == before["project"][0]  # the title is never autosaved

    run()
