"""The group's return pages: saved by section, nothing typed lost, check answers, send."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applicants.choices import MembershipRole
from grants.models import MonitoringStatus
from tests.applicants.factories import PDF_BYTES, MembershipFactory
from tests.grants.monitoring_helpers import complete_answers, fill_in, funded_return, section_url


@pytest.fixture
def member(db):
    return MembershipFactory()


@pytest.fixture
def due(member):
    return funded_return(member.organisation)


def tasks_url(r):
    return reverse("grants:return_tasks", args=[r.award.application_id, r.pk])


def submit_url(r):
    return reverse("grants:return_submit", args=[r.award.application_id, r.pk])


def test_the_task_list_shows_each_section_not_started(member, due, client_as):
    page = client_as(member.user).get(tasks_url(due)).content.decode()
    for title in ["What you did", "People reached and volunteers", "How you spent the grant",
                  "Outcomes achieved", "Case study, challenges and the future", "Supporting files"]:
        assert title in page
    assert "You have completed 1 of 6 sections" in page  # files are optional


def test_a_section_saves_and_people_write_numbers_as_they_like(member, due, client_as):
    data = complete_answers(due)["people"]
    response = client_as(member.user).post(section_url(due, "people"), {**data, "continue": ""})
    assert response.status_code == 302
    due.refresh_from_db()
    assert (due.people_older, due.volunteers, due.volunteer_hours) == (1200, 6, 360)
    assert due.people_reached == 1210


def test_a_bad_number_is_refused_and_everything_typed_is_kept(member, due, client_as):
    data = {**complete_answers(due)["people"], "volunteers": "six", "people_children": "14"}
    response = client_as(member.user).post(section_url(due, "people"), {**data, "continue": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "Enter the number of volunteers as a whole number, like 12" in page
    assert 'value="six"' in page and 'value="14"' in page and 'value="1,200"' in page
    due.refresh_from_db()
    assert due.volunteers is None


def test_spending_more_than_10_percent_over_needs_an_explanation(member, due, client_as):
    client = client_as(member.user)
    lines = list(due.award.application.budget_lines.order_by("order"))
    data = {**complete_answers(due)["spend"], f"spent_{lines[0].pk}": "1,200"}
    response = client.post(section_url(due, "spend"), {**data, "continue": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Explain why you spent £1,200.00 on Hall hire rather than the £1,000.00 planned" in page
    assert 'value="1,200"' in page

    # Saved for later without it, the return cannot be sent until it is explained.
    client.post(section_url(due, "spend"), {**data, "save_and_return": ""})
    due.refresh_from_db()
    assert due.answers["spend"][str(lines[0].pk)]["spent"] == "1200"

    data[f"explanation_{lines[0].pk}"] = "The hall put its prices up in January."
    assert client.post(section_url(due, "spend"), {**data, "continue": ""}).status_code == 302


def test_ten_percent_exactly_needs_no_explanation(member, due, client_as):
    lines = list(due.award.application.budget_lines.order_by("order"))
    data = {**complete_answers(due)["spend"], f"spent_{lines[0].pk}": "1100"}
    response = client_as(member.user).post(section_url(due, "spend"), {**data, "continue": ""})
    assert response.status_code == 302


def test_check_answers_lists_what_is_missing_and_sending_is_refused(member, due, client_as):
    client = client_as(member.user)
    page = client.get(submit_url(due)).content.decode()
    assert "Describe the activities you delivered" in page
    assert "Send return" not in page
    response = client.post(submit_url(due))
    assert "Describe the activities you delivered" in response.content.decode()
    due.refresh_from_db()
    assert due.status == MonitoringStatus.DUE


def test_a_complete_return_is_sent_once(member, due, client_as):
    client = client_as(member.user)
    fill_in(client, due)
    page = client.get(submit_url(due)).content.decode()
    assert "Forty Friday lunches" in page and "£1,050.00" in page and "Energy bills" in page
    assert client.post(submit_url(due)).status_code == 302
    assert client.post(submit_url(due)).status_code == 302  # a second click
    due.refresh_from_db()
    assert due.status == MonitoringStatus.SUBMITTED and due.submitted_by == member.user
    page = client.get(tasks_url(due)).content.decode()
    assert "Sent, waiting for review" in page
    # Once sent, the sections send the group back to the return.
    assert client.get(section_url(due, "activities")).status_code == 302


def test_a_supporting_file_is_checked_stored_and_downloadable(member, due, client_as):
    client = client_as(member.user)
    url = reverse("grants:return_files", args=[due.award.application_id, due.pk])
    bad = client.post(url, {"upload": "", "file": SimpleUploadedFile("run.pdf", b"MZ\x90\x00")})
    assert "The selected file must be a PDF, DOCX, XLSX, ODT, JPG or PNG" in bad.content.decode()
    good = client.post(url, {"upload": "", "file": SimpleUploadedFile("Photos.pdf", PDF_BYTES)})
    assert good.status_code == 302
    supporting = due.files.get()
    download = client.get(reverse("grants:return_file", args=[due.pk, supporting.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_another_organisations_member_gets_404(due, client_as):
    stranger = MembershipFactory()
    client = client_as(stranger.user)
    assert client.get(tasks_url(due)).status_code == 404
    assert client.post(section_url(due, "activities"), {"activities": "x", "continue": ""}).status_code == 404
    due.refresh_from_db()
    assert "activities" not in due.answers


def test_a_viewer_can_read_but_not_change_the_return(member, due, client_as):
    viewer = MembershipFactory(organisation=member.organisation, role=MembershipRole.VIEWER)
    client = client_as(viewer.user)
    page = client.get(reverse("grants:return_tasks", args=[due.award.application_id, due.pk]))
    assert "Only the organisation's owners and editors can fill in this return" in page.content.decode()
    assert client.post(section_url(due, "activities"), {"activities": "x", "continue": ""}).status_code == 403


def test_a_return_not_open_yet_cannot_be_filled_in(member, client_as):
    scheduled = funded_return(member.organisation, status=MonitoringStatus.SCHEDULED)
    response = client_as(member.user).get(section_url(scheduled, "activities"))
    assert response.status_code == 302
    assert not mail.outbox
    assert Decimal("1500.00") == scheduled.award.amount


def test_another_group_cannot_remove_or_download_a_returns_file(member, due, client_as):
    from tests.grants.factories import MonitoringFileFactory

    sent_file = MonitoringFileFactory(monitoring_return=due, uploaded_by=member.user)
    stranger = client_as(MembershipFactory().user)
    remove = reverse(
        "grants:return_file_remove", args=[due.award.application_id, due.pk, sent_file.pk]
    )
    assert stranger.post(remove).status_code == 404
    assert stranger.get(reverse("grants:return_file", args=[due.pk, sent_file.pk])).status_code == 404
    assert due.files.filter(pk=sent_file.pk).exists()
