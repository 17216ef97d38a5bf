"""The award filters the export commands share, checked with clear messages."""

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from applicants.choices import District
from rounds.models import Programme, Round

from ..financial_years import parse_financial_year
from ..selectors import AwardFilter


def add_filter_arguments(parser) -> None:
    parser.add_argument("--programme", metavar="CODE", help="Only this programme, by its code (e.g. CF).")
    parser.add_argument("--round", metavar="ID", help="Only this round, by its number (id).")
    parser.add_argument(
        "--financial-year", metavar="YYYY/YY",
        help="Only awards made in this financial year, 1 April to 31 March (e.g. 2020/21).",
    )
    parser.add_argument(
        "--district", metavar="NAME_OR_CODE",
        help="Only organisations based in this district, by name or ONS code (e.g. Charnwood).",
    )


def award_filter_from(options: dict) -> AwardFilter:
    programme = round = year = district = None
    if options.get("programme"):
        code = options["programme"].strip()
        programme = Programme.objects.filter(code__iexact=code).first()
        if programme is None:
            codes = ", ".join(Programme.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"No programme has the code '{code}'. The codes are: {codes or 'none'}.")
    if options.get("round"):
        text = options["round"].strip()
        if not text.isdigit():
            raise CommandError(f"--round takes a round's number (id), like 12, not '{text}'.")
        round = Round.objects.select_related("programme").filter(pk=int(text)).first()
        if round is None:
            raise CommandError(f"There is no round number {text}.")
        if programme and round.programme_id != programme.pk:
            raise CommandError(
                f"Round {text} ({round.name}) is a round of {round.programme.name}, not of "
                f"{programme.name}."
            )
    if options.get("financial_year"):
        try:
            year = parse_financial_year(options["financial_year"])
        except ValidationError as error:
            raise CommandError(f"--financial-year: {error.messages[0]}.") from None
    if options.get("district"):
        text = options["district"].strip().lower()
        names = {d.label.lower(): d.value for d in District} | {d.value.lower(): d.value for d in District}
        district = names.get(text)
        if district is None:
            raise CommandError(
                f"No district is called '{options['district']}'. The districts are: "
                + ", ".join(d.label for d in District) + "."
            )
    return AwardFilter(
        programme_id=programme.pk if programme else None,
        round_id=round.pk if round else None,
        district=district,
        financial_year=year,
    )


@contextmanager
def replacing(path: str):
    """
    A binary file to write that replaces `path` only once it is complete, so
    a scheduled job that fails half way never leaves a half-written export.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise CommandError(f"The folder {target.parent} does not exist.")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as output:
            yield output
        # mkstemp makes the file private (0600); give it the permissions any
        # new file would have, so the jobs that publish or collect it can.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
