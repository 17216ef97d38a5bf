"""What the monitoring tests share: a funded grant with a return the group can fill in."""

from datetime import date
from decimal import Decimal

from django.urls import reverse

from grants.models import ApplicationStatus, MonitoringStatus
from tests.grants.factories import ApplicationFactory, AwardFactory, MonitoringReturnFactory

LINES = [("Hall hire", Decimal("1000.00")), ("Volunteer expenses", Decimal("500.00"))]


def funded_return(organisation, *, status=MonitoringStatus.DUE, due=None, **award_fields):
    """A due end-of-grant return on an accepted award with two budget lines and outcome 5.5."""
    application = ApplicationFactory(
        organisation=organisation,
        status=ApplicationStatus.APPROVED,
        amount_requested=Decimal("1500.00"),
        budget_lines=LINES,
        outcomes=["5.5"],
    )
    award = AwardFactory(application=application, accepted=True, **award_fields)
    return MonitoringReturnFactory(
        award=award, status=status, due=due or date.today(), period="End of grant"
    )


def section_url(monitoring_return, section: str) -> str:
    return reverse(
        "grants:return_section",
        args=[monitoring_return.award.application_id, monitoring_return.pk, section],
    )


def complete_answers(monitoring_return) -> dict:
    """Everything a return needs, as the sections' pages post it (with the lines' ids)."""
    lines = list(monitoring_return.award.application.budget_lines.order_by("order"))
    outcome = monitoring_return.award.application.outcomes.get()
    return {
        "activities": {"activities": "Forty Friday lunches in the village hall."},
        "people": {
            "people_children": "3",
            "people_older": "1,200",
            "people_disabled": "7",
            "people_other": "0",
            "volunteers": "6",
            "volunteer_hours": "360",
        },
        "spend": {
            f"spent_{lines[0].pk}": "£1,050.00",
            f"spent_{lines[1].pk}": "450",
            f"explanation_{lines[0].pk}": "",
            f"explanation_{lines[1].pk}": "",
        },
        "outcomes": {f"outcome_{outcome.pk}": "Eight new volunteers joined the rota."},
        "story": {
            "case_study": "A widower now comes every week and helps wash up.",
            "challenges": "Energy bills for the hall have doubled.",
            "financially_viable": "yes",
            "viability_notes": "",
        },
    }


def fill_in(client, monitoring_return) -> None:
    """Post every section as the group would, and check each one saved."""
    for section, data in complete_answers(monitoring_return).items():
        response = client.post(section_url(monitoring_return, section), {**data, "continue": ""})
        assert response.status_code == 302, (section, response.content.decode()[:3000])
