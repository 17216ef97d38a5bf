"""
Retention: personal data past its period is anonymised by `apply_retention
--apply`; money, references and statuses stay so the ledgers still add up.
"""

from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import AuditEvent, User
from accounts.retention import ANONYMISED_TEXT, apply_retention
from accounts.roles import Role
from accounts.services import record_audit_event
from grants.models import Application, ApplicationStatus, AwardStatus
from payments.models import Payment, PaymentStatus
from tests.accounts.factories import UserFactory
from tests.applicants.factories import MembershipFactory
from tests.grants.factories import ApplicationFactory, AttachmentFactory, BudgetLineFactory
from tests.payments.factories import PaymentFactory

NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def moved(record, state, at):
    event = record_audit_event(actor=None, verb="status_changed", subject=record, to_state=state)
    AuditEvent.objects.filter(pk=event.pk).update(at=at)


@pytest.fixture
def old_rejection(db):
    application = ApplicationFactory(
        status=ApplicationStatus.REJECTED,
        summary="Sam Volunteer runs this with Jo",
        contact_name="Sam Volunteer",
        amount_requested=Decimal("4500.00"),
    )
    BudgetLineFactory(application=application, item="Fees for Jo Bloggs", amount=Decimal("4500.00"))
    AttachmentFactory(application=application)
    moved(application, ApplicationStatus.REJECTED, datetime(2027, 5, 1, tzinfo=UTC))
    return application


@pytest.fixture
def recent_rejection(db):
    application = ApplicationFactory(status=ApplicationStatus.REJECTED, contact_name="Alex Recent")
    moved(application, ApplicationStatus.REJECTED, datetime(2029, 1, 1, tzinfo=UTC))
    return application


@pytest.fixture
def old_closed_award(db):
    payment = PaymentFactory(status=PaymentStatus.PAID)
    award = payment.instalment.award
    Application.objects.filter(pk=award.application_id).update(contact_name="Chris Closed")
    award.signatory_name = "Chris Closed"
    award.save()
    award.__class__.objects.filter(pk=award.pk).update(status=AwardStatus.COMPLETED)
    moved(award, AwardStatus.COMPLETED, datetime(2022, 3, 1, tzinfo=UTC))
    return award


@pytest.fixture
def people(db):
    idle = UserFactory(
        roles=[Role.APPLICANT], email="idle@example.org", full_name="Idle Person", phone="0116"
    )
    MembershipFactory(user=idle)
    User.objects.filter(pk=idle.pk).update(last_login=datetime(2026, 1, 1, tzinfo=UTC))
    busy = UserFactory(roles=[Role.APPLICANT], email="busy@example.org")
    User.objects.filter(pk=busy.pk).update(last_login=datetime(2030, 5, 1, tzinfo=UTC))
    officer = UserFactory(roles=[Role.GRANT_OFFICER], email="officer@example.org")
    User.objects.filter(pk=officer.pk).update(last_login=datetime(2020, 1, 1, tzinfo=UTC))
    return {"idle": idle, "busy": busy, "officer": officer}


def test_a_dry_run_lists_what_is_due_and_changes_nothing(old_rejection, recent_rejection, people):
    result = apply_retention(now=NOW)
    assert result.applications == [old_rejection.reference]
    # Everyone made by the factories last signed in years before NOW; the
    # busy applicant and the officer are the exceptions that must stay.
    assert people["idle"].pk in result.accounts
    assert people["busy"].pk not in result.accounts and people["officer"].pk not in result.accounts
    old_rejection.refresh_from_db()
    assert old_rejection.contact_name == "Sam Volunteer"
    assert not AuditEvent.objects.filter(verb="personal_data_anonymised").exists()


def test_an_old_unsuccessful_application_loses_personal_text_but_keeps_its_figures(
    old_rejection, recent_rejection
):
    apply_retention(now=NOW, apply=True)
    old_rejection.refresh_from_db()
    assert old_rejection.title == ANONYMISED_TEXT
    assert old_rejection.summary == "" and old_rejection.contact_name == ""
    assert old_rejection.reference and old_rejection.status == ApplicationStatus.REJECTED
    assert old_rejection.amount_requested == Decimal("4500.00")
    lines = list(old_rejection.budget_lines.order_by("pk"))
    assert [line.item for line in lines] == [f"Budget line {n}" for n in range(1, len(lines) + 1)]
    assert Decimal("4500.00") in [line.amount for line in lines]
    assert not old_rejection.attachments.exists()
    # A user and an application may share a primary key: match the kind of record too.
    event = AuditEvent.objects.get(
        verb="personal_data_anonymised",
        content_type=ContentType.objects.get_for_model(old_rejection),
        object_id=str(old_rejection.pk),
    )
    assert event.data["rule"] == "unsuccessful_application" and event.data["files_deleted"] == 1
    recent_rejection.refresh_from_db()
    assert recent_rejection.contact_name == "Alex Recent"


def test_a_closed_award_keeps_its_money_and_the_organisation_loses_its_bank_details(old_closed_award):
    paid_before = Payment.objects.aggregate(total=Sum("amount"))["total"]
    apply_retention(now=NOW, apply=True)
    old_closed_award.refresh_from_db()
    application = old_closed_award.application
    application.refresh_from_db()
    assert old_closed_award.signatory_name == "" and application.contact_name == ""
    assert old_closed_award.amount == application.amount_requested
    assert Payment.objects.aggregate(total=Sum("amount"))["total"] == paid_before
    organisation = application.organisation
    organisation.refresh_from_db()
    assert organisation.bank_account_number == "" and organisation.bank_sort_code == ""
    assert organisation.name  # organisations are not people: the name stays for 360Giving
    verbs = AuditEvent.objects.filter(verb="personal_data_anonymised")
    assert {"application", "award", "organisation"} <= {e.content_type.model for e in verbs}


def test_an_inactive_applicant_account_is_anonymised_and_staff_are_not(people):
    apply_retention(now=NOW, apply=True)
    idle = User.objects.get(pk=people["idle"].pk)
    assert idle.email == f"anonymised-{idle.pk}@anonymised.invalid"
    assert idle.full_name == "" and idle.phone == "" and not idle.is_active
    assert not idle.has_usable_password() and not idle.memberships.exists()
    assert User.objects.get(pk=people["busy"].pk).email == "busy@example.org"
    assert User.objects.get(pk=people["officer"].pk).email == "officer@example.org"


def test_running_again_finds_nothing_more_to_do(old_rejection, old_closed_award, people):
    apply_retention(now=NOW, apply=True)
    count = AuditEvent.objects.filter(verb="personal_data_anonymised").count()
    again = apply_retention(now=NOW, apply=True)
    assert again.applications == [] and again.awards == [] and again.accounts == []
    assert AuditEvent.objects.filter(verb="personal_data_anonymised").count() == count


def test_the_command_is_a_dry_run_unless_told_to_apply(old_rejection, time_machine):
    time_machine.move_to(NOW)
    out = StringIO()
    call_command("apply_retention", stdout=out)
    assert "dry run, nothing changed" in out.getvalue() and old_rejection.reference in out.getvalue()
    old_rejection.refresh_from_db()
    assert old_rejection.contact_name == "Sam Volunteer"
    call_command("apply_retention", "--apply", stdout=StringIO())
    old_rejection.refresh_from_db()
    assert old_rejection.contact_name == ""


def test_an_inactive_member_of_a_group_with_an_open_application_keeps_their_account(db):
    member = MembershipFactory()
    ApplicationFactory(organisation=member.organisation, status=ApplicationStatus.IN_ASSESSMENT)
    User.objects.filter(pk=member.user_id).update(last_login=datetime(2025, 1, 1, tzinfo=UTC))
    assert member.user_id not in apply_retention(now=NOW).accounts
