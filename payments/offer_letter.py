"""
The offer letter of an award: what the page, the printable copy and the
PDF all show, read once here so the three never disagree.

The PDF is drawn with fpdf2 (pure Python, no system libraries). It uses the
PDF core font Helvetica, which covers Latin-1 only: characters outside it
(a name in another script, an emoji) are written as their closest Latin-1
form or "?" rather than failing, and the page keeps the exact text.
"""

import unicodedata
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from fpdf import FPDF

from grants.models import Award, MonitoringReturn

from .models import Instalment


@dataclass(frozen=True)
class OfferLetter:
    award: Award
    instalments: list[Instalment]
    monitoring_returns: list[MonitoringReturn]

    @property
    def application(self):
        return self.award.application

    @property
    def organisation(self):
        return self.award.application.organisation

    @property
    def schedule(self) -> list[dict]:
        return [{"instalment": i, "when": instalment_when(i)} for i in self.instalments]


def offer_letter(award: Award) -> OfferLetter:
    """The letter of `award` (select_related its application, organisation and round)."""
    instalments: QuerySet[Instalment] = (
        award.instalments.filter(cancelled_at__isnull=True)
        .select_related("after_return")
        .order_by("number")
    )
    return OfferLetter(
        award=award,
        instalments=list(instalments),
        monitoring_returns=list(award.monitoring_returns.order_by("due", "pk")),
    )


def instalment_when(instalment: Instalment) -> str:
    if not instalment.waits_for_monitoring:
        return "When you accept this offer"
    if instalment.after_return_id:
        return (f"After your {instalment.after_return.period.lower()} monitoring return "
                "is accepted")
    return "After your first monitoring return is accepted"


def pdf_filename(award: Award) -> str:
    return f"offer-letter-{award.application.reference}.pdf"


def _latin1(text: str) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    replacements = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                    "\u2013": "-", "\u2014": "-", "\u2026": "..."}
    text = "".join(replacements.get(char, char) for char in text)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _pounds(amount) -> str:
    return f"£{amount:,.2f}"


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def render_pdf(letter: OfferLetter) -> bytes:
    award, application, organisation = letter.award, letter.application, letter.organisation
    pdf = FPDF(format="A4")
    pdf.set_title(_latin1(f"Grant offer {application.reference}"))
    pdf.set_author(settings.FUNDER_NAME)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    width = pdf.epw

    def heading(text: str, size: int = 13) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(width, 7, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)

    def paragraph(text: str) -> None:
        pdf.multi_cell(width, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    pdf.set_font("Helvetica", "", 10)
    pdf.cell(width, 6, _latin1(settings.FUNDER_NAME), new_x="LMARGIN", new_y="NEXT")
    heading(f"Grant offer {application.reference}", size=18)
    paragraph(f"To: {organisation.name}")
    paragraph(f"Offered on {_long_date(award.award_date)}")
    paragraph(
        f"{settings.FUNDER_NAME} offers {organisation.name} a grant of "
        f"{_pounds(award.amount)} from {application.round.programme.name} "
        f"({application.round.name}) for: {application.title}."
    )
    heading("Conditions")
    paragraph(award.conditions or "No conditions beyond the standard terms.")
    heading("Payment schedule")
    for instalment in letter.instalments:
        paragraph(
            f"Instalment {instalment.number}: {_pounds(instalment.amount)}. "
            f"{instalment_when(instalment)}."
        )
    heading("Monitoring")
    if letter.monitoring_returns:
        for monitoring_return in letter.monitoring_returns:
            paragraph(
                f"{monitoring_return.period} return due by {_long_date(monitoring_return.due)}."
            )
    else:
        paragraph(
            "You must send the monitoring returns the council asks for. Their dates are set "
            "once you accept the offer and shown on your application page."
        )
    heading("Acceptance")
    if award.accepted_at:
        paragraph(
            f"Accepted on {_long_date(award.accepted_at.date())} by {award.signatory_name} "
            f"for {organisation.name}."
        )
    elif award.declined_at:
        paragraph(f"Declined on {_long_date(award.declined_at.date())}.")
    else:
        paragraph(
            "To accept, a person authorised by your organisation confirms these terms on the "
            "offer page of your application online."
        )
    return bytes(pdf.output())


def offer_letter_pdf_response(award: Award) -> HttpResponse:
    """The letter as a PDF download (the caller has checked who may read it)."""
    response = HttpResponse(render_pdf(offer_letter(award)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(award)}"'
    return response
