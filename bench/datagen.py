"""
The scale dataset: organisations, their members, twenty rounds of
applications with three assessments each, decisions, awards, instalments,
payments in payment runs, and monitoring returns, written with COPY.

Rows are written directly in their final states, as an import from an old
system would be (the factories in tests/ do the same at small scale); the
services are what the load tests then exercise. Everything is deterministic
(a fixed seed). Names, numbers, amounts and dates are invented; places and
districts come from DOMAIN.md. Layout (with the default sizes):

- 18 past rounds, decided: about 55% of their applications funded, the
  rest declined, on the waiting list, ineligible or withdrawn.
- 1 round in assessment (closed ten days ago), 1 round open now (closes in
  ten days) holding the drafts of the deadline rush's applicants.
- The newest awards are running (accepted or active); each has a
  monitoring return due in the next 1 to 14 days: the reminder fan-out's
  10,000 reminders (one member per organisation). Older awards are
  completed, their returns accepted. No return is overdue, so no applicant
  is refused for one.
- Each award has two or three instalments, each paid once; paid payments
  sit in paid payment runs of about 300, and one draft run holds up to 300
  payments waiting for approval.
"""

import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.utils import timezone
from encrypted_model_fields.fields import encrypt_str

from accounts.models import AuditEvent, User
from applicants.choices import District, LegalStructure
from applicants.models import Membership, Organisation
from grants.models import (
    Application,
    Assignment,
    Award,
    BudgetLine,
    ConflictDeclaration,
    Decision,
    MonitoringReturn,
    ReferenceSequence,
    Score,
    weighted_percentage,
)
from payments.models import Instalment, Payment, PaymentRun
from rounds.models import Criterion, Outcome, Programme, Round

from .bulk import copy_rows, next_id, reset_sequences
from .sizes import Sizes

SEED = 2026
PASSWORD = "bench-password-2026"
CRITERIA = [
    ("Need for the project", 30),
    ("Benefit to the community", 30),
    ("Value for money", 20),
    ("Ability to deliver", 20),
]
# DOMAIN.md's places, for organisation names and towns.
PLACES = [
    ("Braunstone Town", District.BLABY), ("Glenfield", District.BLABY),
    ("Enderby", District.BLABY), ("Loughborough", District.CHARNWOOD),
    ("Shepshed", District.CHARNWOOD), ("Mountsorrel", District.CHARNWOOD),
    ("Birstall", District.CHARNWOOD), ("Market Harborough", District.HARBOROUGH),
    ("Lutterworth", District.HARBOROUGH), ("Broughton Astley", District.HARBOROUGH),
    ("Hinckley", District.HINCKLEY_AND_BOSWORTH), ("Earl Shilton", District.HINCKLEY_AND_BOSWORTH),
    ("Bagworth", District.HINCKLEY_AND_BOSWORTH), ("Melton Mowbray", District.MELTON),
    ("Bottesford", District.MELTON), ("Coalville", District.NORTH_WEST_LEICESTERSHIRE),
    ("Ashby de la Zouch", District.NORTH_WEST_LEICESTERSHIRE),
    ("Ibstock", District.NORTH_WEST_LEICESTERSHIRE), ("Kegworth", District.NORTH_WEST_LEICESTERSHIRE),
    ("Oadby", District.OADBY_AND_WIGSTON), ("Wigston", District.OADBY_AND_WIGSTON),
]
KINDS = [
    "Lunch Club", "Village Hall", "Community Library", "Youth Group", "Carers' Network",
    "Community Café", "Heritage Centre", "Women's Group", "Men's Shed", "Food Bank",
    "Disability Forum", "Parish Walkers", "Gardening Club", "Foodshare", "Befriending Service",
]
STRUCTURES = [
    LegalStructure.REGISTERED_CHARITY, LegalStructure.CIO, LegalStructure.UNINCORPORATED,
    LegalStructure.COMPANY_LIMITED_BY_GUARANTEE, LegalStructure.CIC, LegalStructure.FAITH_GROUP,
    LegalStructure.COMMUNITY_BENEFIT_SOCIETY,
]


@dataclass
class Generated:
    """What the measurements need to find again, by id."""

    sizes: Sizes
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    open_round: int = 0
    assessing_round: int = 0
    largest_round: int = 0
    draft_run: int = 0
    typical_paid_run: int = 0
    rush_users: list = field(default_factory=list)  # (email, application id)
    applicants: list = field(default_factory=list)  # (email, [application ids]) for the load test
    assessors: list = field(default_factory=list)  # (email, [in-progress assignment ids])
    officers: list = field(default_factory=list)  # emails
    approvers: list = field(default_factory=list)
    finance: list = field(default_factory=list)
    dashboard_user: str = ""
    scoring: tuple = ()  # (assessor email, assignment id)
    round_ids: list = field(default_factory=list)
    reminders_expected: int = 0


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, clock(hour), tzinfo=timezone.get_default_timezone())


def generate(sizes: Sizes, *, log=print) -> Generated:
    sizes.check()
    started = time.monotonic()
    result = Generated(sizes=sizes)
    with transaction.atomic():
        _Generator(sizes, result, log).run()
    result.seconds = time.monotonic() - started
    return result


class _Generator:
    def __init__(self, sizes: Sizes, result: Generated, log):
        self.s = sizes
        self.r = result
        self.log = log
        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.counts = result.counts

    def step(self, name: str, count: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + count

    def run(self) -> None:
        t = time.monotonic()
        self.users()
        self.organisations()
        self.rounds()
        self.applications()
        self.awards_and_money()
        self.monitoring()
        self.audit()
        self.references()
        reset_sequences([
            User, User.groups.through, EmailAddress, Organisation, Membership, Programme, Round,
            Criterion, Application, Application.outcomes.through, BudgetLine, Assignment,
            ConflictDeclaration, Score, Decision, Award, Instalment, PaymentRun, Payment,
            MonitoringReturn, AuditEvent, ReferenceSequence,
        ])
        self.log(f"  rows written in {time.monotonic() - t:.1f}s")

    # --- People ---------------------------------------------------------------

    def users(self) -> None:
        s = self.s
        password = make_password(PASSWORD)
        groups = dict(Group.objects.values_list("name", "pk"))
        start = next_id(User)
        people = [(f"bench-applicant-{i:05d}@example.org", f"Applicant {i}", ["applicant"])
                  for i in range(s.organisations)]
        people += [(f"bench-assessor-{i:03d}@example.org", f"Assessor {i}", ["assessor"])
                   for i in range(s.assessors)]
        people += [(f"bench-officer-{i:03d}@example.org", f"Officer {i}", ["grant_officer"])
                   for i in range(s.officers)]
        people += [(f"bench-approver-{i}@example.org", f"Approver {i}", ["approver"]) for i in range(3)]
        people += [(f"bench-finance-{i}@example.org", f"Finance {i}", ["finance"]) for i in range(3)]
        people += [("bench-admin@example.org", "Administrator", ["administrator"])]
        self.user_id = {}
        rows, group_rows, email_rows = [], [], []
        joined = self.now - timedelta(days=3000)
        for offset, (email, name, roles) in enumerate(people):
            pk = start + offset
            self.user_id[email] = pk
            rows.append((pk, email, name, password, False, False, True, joined, "", ""))
            for role in roles:
                group_rows.append((groups[role], pk))
            email_rows.append((pk, email, True, True))
        copy_rows(User, ["id", "email", "full_name", "password", "is_superuser", "is_staff",
                         "is_active", "date_joined", "first_name", "last_name"], rows)
        gid = next_id(User.groups.through)
        copy_rows(User.groups.through, ["id", "group_id", "user_id"],
                  ((gid + i, g, u) for i, (g, u) in enumerate(group_rows)))
        eid = next_id(EmailAddress)
        copy_rows(EmailAddress, ["id", "user_id", "email", "verified", "primary"],
                  ((eid + i, *row) for i, row in enumerate(email_rows)))
        self.step("users", len(rows))
        self.applicant_ids = [self.user_id[p[0]] for p in people[: s.organisations]]
        self.assessor_ids = [self.user_id[f"bench-assessor-{i:03d}@example.org"]
                             for i in range(s.assessors)]
        self.officer_ids = [self.user_id[f"bench-officer-{i:03d}@example.org"]
                            for i in range(s.officers)]
        self.approver_ids = [self.user_id[f"bench-approver-{i}@example.org"] for i in range(3)]
        self.finance_ids = [self.user_id[f"bench-finance-{i}@example.org"] for i in range(3)]
        self.r.officers = [f"bench-officer-{i:03d}@example.org" for i in range(s.officers)]
        self.r.approvers = [f"bench-approver-{i}@example.org" for i in range(3)]
        self.r.finance = [f"bench-finance-{i}@example.org" for i in range(3)]

    def organisations(self) -> None:
        s, rng = self.s, self.rng
        # Fernet encryption is slow and random: a small pool of encrypted
        # bank details is shared between organisations.
        bank = [(encrypt_str(f"40{n:04d}").decode(), encrypt_str(f"{31000000 + n:08d}").decode())
                for n in range(32)]
        start = next_id(Organisation)
        self.organisation_ids = []
        rows = []
        verified = self.now - timedelta(days=400)
        for i in range(s.organisations):
            pk = start + i
            place, district = PLACES[i % len(PLACES)]
            kind = KINDS[(i // len(PLACES)) % len(KINDS)]
            structure = STRUCTURES[i % len(STRUCTURES)]
            charity = f"{1100000 + i}" if structure in (LegalStructure.REGISTERED_CHARITY,
                                                         LegalStructure.CIO) else ""
            company = f"{10000000 + i:08d}" if structure in (
                LegalStructure.COMPANY_LIMITED_BY_GUARANTEE, LegalStructure.CIC) else ""
            sort_code, account = bank[i % len(bank)]
            rows.append((
                pk, f"{place} {kind} {i}", structure, charity, company, f"{i + 1} Station Road",
                place, f"LE{1 + i % 67} {i % 10}AB", district, "", Decimal(rng.randrange(2_000, 400_000)),
                "People in the parish and nearby villages.", i % 40, [], [],
                f"{place} {kind} {i}", sort_code, account, verified, self.now - timedelta(days=900),
            ))
            self.organisation_ids.append(pk)
        copy_rows(Organisation, [
            "id", "name", "legal_structure", "charity_number", "company_number", "address_line_1",
            "town", "postcode", "district", "parish", "annual_income", "communities_served",
            "volunteers_count", "alternative_formats", "contact_methods", "bank_account_name",
            "bank_sort_code", "bank_account_number", "bank_details_verified_at", "created_at",
        ], rows)
        mid = next_id(Membership)
        copy_rows(Membership, ["id", "user_id", "organisation_id", "role", "created_at"], (
            (mid + i, self.applicant_ids[i], org, "owner", self.now - timedelta(days=900))
            for i, org in enumerate(self.organisation_ids)
        ))
        self.step("organisations", len(rows))
        self.step("memberships", len(rows))

    # --- Programmes and rounds --------------------------------------------------

    def rounds(self) -> None:
        s = self.s
        programmes = {}
        for code, name in [("SCG", "SHIRE Community Grants"), ("CF", "Communities Fund"),
                           ("SEG", "SHIRE Environment Grant")]:
            programme, _ = Programme.objects.get_or_create(
                code=code, defaults={"name": name, "cost_centre": "CC4410", "gl_code": "5120"}
            )
            programmes[code] = programme.pk
        self.past = s.rounds - 2
        start = next_id(Round)
        self.round_rows = []
        rows = []
        for index in range(s.rounds):
            pk = start + index
            if index < self.past:
                opens = self.today - timedelta(days=(self.past - index) * 182 + 120)
                closes = opens + timedelta(days=42)
                status = "archived" if index < self.past - 4 else "published"
                code = "CF" if self.past - 13 <= index <= self.past - 11 else (
                    "SEG" if index % 5 == 4 else "SCG")
                phase = "past"
            elif index == self.past:
                opens, closes, status, code, phase = (
                    self.today - timedelta(days=60), self.today - timedelta(days=10),
                    "published", "SCG", "assessing")
            else:
                opens, closes, status, code, phase = (
                    self.today - timedelta(days=20), self.today + timedelta(days=10),
                    "published", "SCG", "open")
            decision = closes + timedelta(days=60)
            name = f"{'Spring' if opens.month < 7 else 'Autumn'} {opens.year} (bench {index + 1})"
            rows.append((
                pk, programmes[code], name, _at(opens, 9), _at(closes, 12),
                closes + timedelta(days=28), decision, Decimal("1500000.00"), Decimal("500.00"),
                Decimal("10000.00"), None, [], None, None, True, [], s.assessments, 0, 5, status,
            ))
            self.round_rows.append({"pk": pk, "code": code, "phase": phase, "opens": opens,
                                    "closes": closes, "decision": decision})
        copy_rows(Round, [
            "id", "programme_id", "name", "opens_at", "closes_at", "assessment_deadline",
            "decision_date", "budget", "min_award", "max_award", "max_annual_income",
            "eligible_legal_structures", "earliest_project_start", "latest_project_end",
            "leicestershire_only", "required_documents", "assessors_per_application",
            "scoring_scale_min", "scoring_scale_max", "status",
        ], rows)
        cid = next_id(Criterion)
        self.criteria = {}
        crit_rows = []
        for round_row in self.round_rows:
            ids = []
            for order, (title, weight) in enumerate(CRITERIA):
                crit_rows.append((cid, round_row["pk"], title, "", weight, 5, order))
                ids.append((cid, weight))
                cid += 1
            self.criteria[round_row["pk"]] = ids
        copy_rows(Criterion, ["id", "round_id", "title", "guidance", "weight", "max_score", "order"],
                  crit_rows)
        self.step("rounds", len(rows))
        self.r.round_ids = [row["pk"] for row in self.round_rows]
        self.r.assessing_round = self.round_rows[self.past]["pk"]
        self.r.open_round = self.round_rows[-1]["pk"]
        self.r.largest_round = self.round_rows[self.past - 1]["pk"]

    # --- Applications and their assessment -----------------------------------------

    def _past_statuses(self, count: int, funded: int) -> list[str]:
        """Statuses for one decided round: the funded first, then the rest in proportion."""
        rest = count - funded
        shares = [("rejected", 0.6), ("waitlisted", 0.15), ("ineligible", 0.15)]
        statuses = ["approved"] * funded
        for status, share in shares:
            statuses += [status] * int(rest * share)
        statuses += ["withdrawn"] * (count - len(statuses))
        return statuses

    def applications(self) -> None:
        s, rng = self.s, self.rng
        per_round = s.applications // s.rounds
        extra = s.applications - per_round * s.rounds
        funded_total = min(s.awards, per_round * self.past)
        funded = [funded_total // self.past + (1 if i < funded_total % self.past else 0)
                  for i in range(self.past)]
        outcomes = list(Outcome.objects.filter(parent__isnull=False).values_list("pk", flat=True))
        app_id = next_id(Application)
        m2m_id = next_id(Application.outcomes.through)
        line_id = next_id(BudgetLine)
        apps, m2m, lines = [], [], []
        self.apps = []  # dicts for later steps
        self.sequence = {}
        for index, round_row in enumerate(self.round_rows):
            count = per_round + (extra if index == len(self.round_rows) - 1 else 0)
            phase = round_row["phase"]
            if phase == "past":
                statuses = self._past_statuses(count, funded[index])
            elif phase == "assessing":
                statuses = (["in_assessment"] * int(count * 0.7) + ["scored"] * int(count * 0.2)
                            + ["submitted"] * int(count * 0.05))
                statuses += ["ineligible"] * (count - len(statuses))
            else:
                statuses = ["draft"] * s.rush_drafts + ["submitted"] * (count - s.rush_drafts)
            stride = 7919 * (index + 1)
            for j, status in enumerate(statuses):
                # In the open round the rush's applicants own the first organisations.
                org_index = j if phase == "open" else (stride + j) % s.organisations
                org = self.organisation_ids[org_index]
                owner = self.applicant_ids[org_index]
                amount = Decimal(rng.randrange(50, 1000) * 10)
                submitted = None
                reference = ""
                declaration = ""
                if status != "draft":
                    submitted = _at(round_row["opens"] + timedelta(days=rng.randrange(0, 40)), 10)
                    if phase == "open":
                        submitted = min(submitted, self.now - timedelta(hours=1))
                    key = f"{round_row['code']}-{submitted.year}"
                    self.sequence[key] = self.sequence.get(key, 0) + 1
                    reference = f"{key}-{self.sequence[key]:05d}"
                    declaration = f"Applicant {org_index}"
                created = (submitted or self.now) - timedelta(days=5)
                start = round_row["decision"] + timedelta(days=30)
                place, district = PLACES[org_index % len(PLACES)]
                apps.append((
                    app_id, round_row["pk"], org, reference,
                    f"{KINDS[j % len(KINDS)]} project in {place}",
                    "Weekly sessions that bring people together and help them stay well at home.",
                    amount, start, start + timedelta(days=365),
                    "Older people and carers in the parish.", 20 + j % 200, [district], status,
                    declaration, submitted, owner, None, "online", "", "leicestershire", None,
                    created, submitted or created,
                ))
                for k in range(1 + j % 2):
                    m2m.append((m2m_id, app_id, outcomes[(j + k * 7) % len(outcomes)]))
                    m2m_id += 1
                first = (amount * Decimal("0.6")).quantize(Decimal("0.01"))
                lines.append((line_id, app_id, "Room hire and equipment", first, 0))
                lines.append((line_id + 1, app_id, "Volunteer expenses", amount - first, 1))
                line_id += 2
                self.apps.append({"pk": app_id, "round": round_row, "status": status,
                                  "org_index": org_index, "owner": owner, "amount": amount,
                                  "submitted": submitted, "reference": reference, "j": j})
                app_id += 1
        copy_rows(Application, [
            "id", "round_id", "organisation_id", "reference", "title", "summary",
            "amount_requested", "project_start", "project_end", "beneficiaries",
            "beneficiaries_count", "districts_served", "status", "declaration_name",
            "submitted_at", "created_by_id", "entered_by_officer_id", "entry_channel",
            "contact_name", "based_in", "serves_leicestershire", "created_at", "updated_at",
        ], apps)
        copy_rows(Application.outcomes.through, ["id", "application_id", "outcome_id"], m2m)
        copy_rows(BudgetLine, ["id", "application_id", "item", "amount", "order"], lines)
        self.step("applications", len(apps))
        self.step("application outcomes", len(m2m))
        self.step("budget lines", len(lines))
        self.r.rush_users = [
            (f"bench-applicant-{a['org_index']:05d}@example.org", a["pk"])
            for a in self.apps if a["status"] == "draft"
        ]
        self.assessment()
        self.decisions()

    def assessment(self) -> None:
        s, rng = self.s, self.rng
        assessed = {"in_assessment", "scored", "recommended", "approved", "rejected", "waitlisted"}
        assignment_id = next_id(Assignment)
        declaration_id = next_id(ConflictDeclaration)
        score_id = next_id(Score)
        assignments, declarations, scores = [], [], []
        in_progress_by_assessor = {}
        for app in self.apps:
            if app["status"] not in assessed:
                continue
            round_row = app["round"]
            criteria = self.criteria[round_row["pk"]]
            closes = round_row["closes"]
            due = closes + timedelta(days=28)
            app["scores"] = []
            for k in range(s.assessments):
                assessor = self.assessor_ids[(app["j"] + k) % s.assessors]
                if app["status"] == "in_assessment":
                    status = ["submitted", "in_progress", "assigned"][k % 3]
                else:
                    status = "submitted"
                assigned_at = _at(closes + timedelta(days=2), 9)
                submitted_at = _at(closes + timedelta(days=20), 15) if status == "submitted" else None
                weighted = None
                if status in ("submitted", "in_progress"):
                    values = [rng.randrange(1, 6) for _ in criteria]
                    if status == "submitted":
                        weighted = weighted_percentage(
                            [(v, 5, weight) for v, (_, weight) in zip(values, criteria, strict=True)]
                        )
                        app["scores"].append(weighted)
                    # A draft in progress has scored half its criteria.
                    scored = criteria if status == "submitted" else criteria[: len(criteria) // 2]
                    for value, (criterion, _) in zip(values, scored, strict=False):
                        scores.append((score_id, assignment_id, criterion, value,
                                       "The application shows clear evidence for this."))
                        score_id += 1
                    declarations.append((declaration_id, assignment_id, False, "", assigned_at))
                    declaration_id += 1
                assignments.append((assignment_id, app["pk"], assessor, due, status, weighted,
                                    self.officer_ids[0], assigned_at, submitted_at))
                if status == "in_progress":
                    in_progress_by_assessor.setdefault(assessor, []).append(assignment_id)
                assignment_id += 1
        copy_rows(Assignment, ["id", "application_id", "assessor_id", "due", "status",
                               "weighted_score", "assigned_by_id", "assigned_at", "submitted_at"],
                  assignments)
        copy_rows(ConflictDeclaration, ["id", "assignment_id", "has_conflict", "details",
                                        "declared_at"], declarations)
        copy_rows(Score, ["id", "assignment_id", "criterion_id", "score", "justification"], scores)
        self.step("assignments", len(assignments))
        self.step("conflict declarations", len(declarations))
        self.step("scores", len(scores))
        emails = {pk: email for email, pk in self.user_id.items()}
        self.r.assessors = [
            (emails[assessor], ids[:20]) for assessor, ids in sorted(in_progress_by_assessor.items())
        ]
        if self.r.assessors:
            email, ids = self.r.assessors[0]
            self.r.scoring = (email, ids[0])

    def decisions(self) -> None:
        decided = {"approved", "rejected", "waitlisted"}
        decision_id = next_id(Decision)
        rows = []
        for app in self.apps:
            if app["status"] not in decided:
                continue
            round_row = app["round"]
            recommendation = {"approved": "fund_in_full", "rejected": "decline",
                              "waitlisted": "waitlist"}[app["status"]]
            approved = app["amount"] if app["status"] == "approved" else None
            decided_at = _at(round_row["decision"] - timedelta(days=3), 11)
            rows.append((decision_id, app["pk"], recommendation, app["amount"], "Scored well.",
                         "", self.officer_ids[app["j"] % len(self.officer_ids)],
                         decided_at - timedelta(days=10), approved,
                         self.approver_ids[app["j"] % 3] if app["status"] != "waitlisted" else None,
                         decided_at if app["status"] != "waitlisted" else None))
            decision_id += 1
        copy_rows(Decision, ["id", "application_id", "recommendation", "recommended_amount",
                             "reason", "feedback", "recommended_by_id", "recommended_at",
                             "approved_amount", "decided_by_id", "decided_at"], rows)
        self.step("decisions", len(rows))

    # --- Awards, instalments, payments and runs -------------------------------------

    def awards_and_money(self) -> None:
        s = self.s
        funded = [a for a in self.apps if a["status"] == "approved"]
        # Newest first: the newest awards are running, older ones completed.
        funded.sort(key=lambda a: (a["round"]["decision"], a["pk"]), reverse=True)
        running = min(s.reminders, len(funded))
        award_id = next_id(Award)
        awards = []
        self.awards = []
        for n, app in enumerate(funded):
            if n < 100:
                status = "offered"
            elif n < running + 100:
                status = "active" if n % 7 else "accepted"
            elif n % 97 == 0:
                status = "declined"
            elif n % 31 == 0:
                status = "closed_early"
            else:
                status = "completed"
            award_date = app["round"]["decision"]
            offered = _at(award_date, 10)
            accepted = None if status in ("offered", "declined") else offered + timedelta(days=9)
            awards.append((
                award_id, app["pk"], app["amount"], "Spend the grant on the project described.",
                award_date, offered, accepted,
                app["owner"] if accepted else None, f"Applicant {app['org_index']}" if accepted else "",
                status,
            ))
            self.awards.append({"pk": award_id, "app": app, "status": status, "date": award_date,
                                "amount": app["amount"]})
            award_id += 1
        copy_rows(Award, ["id", "application_id", "amount", "conditions", "award_date",
                          "offered_at", "accepted_at", "accepted_by_id", "signatory_name",
                          "status"], awards)
        self.step("awards", len(awards))
        self.money()

    def money(self) -> None:
        s = self.s
        scheduled = [a for a in self.awards if a["status"] != "declined"]
        base, extra = divmod(s.payments, max(len(scheduled), 1))
        instalment_id = next_id(Instalment)
        payment_id = next_id(Payment)
        run_id = next_id(PaymentRun)
        instalments, payments = [], []
        paid_by_month = {}
        payable = []
        for n, award in enumerate(scheduled):
            count = max(1, base + (1 if n < extra else 0))
            amount = award["amount"]
            part = (amount / count).quantize(Decimal("0.01"))
            for number in range(1, count + 1):
                value = part if number < count else amount - part * (count - 1)
                due = award["date"] + timedelta(days=30 + 120 * (number - 1))
                instalments.append((instalment_id, award["pk"], number, due, value, None))
                finished = award["status"] in ("completed", "closed_early")
                paid_while_running = award["status"] in ("active", "accepted") and (
                    due <= self.today - timedelta(days=30)
                )
                status = "paid" if finished or paid_while_running else "scheduled"
                paid_on = due if status == "paid" else None
                payments.append([payment_id, instalment_id, None, value, status, paid_on, "",
                                 _at(award["date"], 10)])
                if status == "paid":
                    paid_by_month.setdefault((due.year, due.month), []).append(len(payments) - 1)
                elif award["status"] in ("active", "accepted") and due <= self.today:
                    payable.append(len(payments) - 1)
                instalment_id += 1
                payment_id += 1
        runs = []
        creator, approver = self.finance_ids[0], self.finance_ids[1]
        sizes = []
        for (year, month), indexes in sorted(paid_by_month.items()):
            for chunk in range(0, len(indexes), 300):
                members = indexes[chunk : chunk + 300]
                paid_on = max(payments[i][5] for i in members)
                at = _at(paid_on - timedelta(days=3), 10)
                runs.append((run_id, creator, at, approver, at + timedelta(hours=2),
                             at + timedelta(hours=3), creator, paid_on, f"BACS-{year}{month:02d}-{chunk}",
                             "paid"))
                for i in members:
                    payments[i][2] = run_id
                    payments[i][6] = f"BACS-{year}{month:02d}"
                sizes.append((len(members), run_id))
                run_id += 1
        if sizes:
            sizes.sort()
            self.r.typical_paid_run = sizes[len(sizes) // 2][1]
        # One draft run of payable payments, waiting for a second person.
        draft = payable[:300]
        if draft:
            runs.append((run_id, creator, self.now - timedelta(hours=2), None, None, None, None,
                         None, "", "draft"))
            for i in draft:
                payments[i][2] = run_id
                payments[i][4] = "in_run"
            self.r.draft_run = run_id
            run_id += 1
        copy_rows(PaymentRun, ["id", "created_by_id", "created_at", "approved_by_id", "approved_at",
                               "exported_at", "exported_by_id", "paid_on", "payment_reference",
                               "status"], runs)
        copy_rows(Instalment, ["id", "award_id", "number", "due_date", "amount", "after_return_id"],
                  instalments)
        copy_rows(Payment, ["id", "instalment_id", "run_id", "amount", "status", "paid_on",
                            "reference", "created_at"], (tuple(p) for p in payments))
        self.step("instalments", len(instalments))
        self.step("payments", len(payments))
        self.step("payment runs", len(runs))

    # --- Monitoring returns -------------------------------------------------------

    def monitoring(self) -> None:
        s = self.s
        running = [a for a in self.awards if a["status"] in ("active", "accepted")]
        finished = [a for a in self.awards if a["status"] in ("completed", "closed_early")]
        return_id = next_id(MonitoringReturn)
        rows = []
        budget = s.monitoring_returns
        due_soon = running[: min(s.reminders, budget)]
        for n, award in enumerate(due_soon):
            rows.append((return_id, award["pk"], self.today + timedelta(days=1 + n % 14),
                         "Six-month report", {}, "due", None))
            return_id += 1
        for award in finished[: max(budget - len(rows), 0)]:
            due = award["date"] + timedelta(days=365)
            rows.append((return_id, award["pk"], due, "End of grant",
                         {"people_reached": 40, "volunteers": 6, "volunteer_hours": 300},
                         "accepted", _at(due - timedelta(days=3), 14)))
            return_id += 1
        # Any still to make: end-of-grant returns of running awards, some
        # not due for months, some sent and waiting for an officer.
        n = 0
        while len(rows) < budget and running:
            award = running[n % len(running)]
            if n % 2:
                rows.append((return_id, award["pk"], self.today + timedelta(days=60 + n % 200),
                             "End of grant", {}, "scheduled", None))
            else:
                rows.append((return_id, award["pk"], self.today - timedelta(days=1 + n % 20),
                             "Interim report", {"people_reached": 12}, "submitted",
                             _at(self.today - timedelta(days=1 + n % 20), 9)))
            return_id += 1
            n += 1
        copy_rows(MonitoringReturn, ["id", "award_id", "due", "period", "answers", "status",
                                     "submitted_at"], rows)
        self.step("monitoring returns", len(rows))
        # One member per organisation, so one reminder per return due soon.
        self.r.reminders_expected = len(due_soon)
        # Applicants for the load test: organisations past the rush's, with
        # their applications (the dashboard page's user has the most).
        by_org = {}
        for app in self.apps:
            by_org.setdefault(app["org_index"], []).append(app["pk"])
        candidates = list(range(s.rush_drafts, s.organisations))[:200]
        self.r.applicants = [
            (f"bench-applicant-{i:05d}@example.org", by_org.get(i, [])[:10]) for i in candidates
        ]
        running_orgs = {a["app"]["org_index"] for a in running}
        busiest = max(
            (i for i in by_org if i >= s.rush_drafts),
            key=lambda i: (len(by_org[i]), i in running_orgs),
        )
        self.r.dashboard_user = f"bench-applicant-{busiest:05d}@example.org"

    # --- Audit trail and reference numbers ------------------------------------------

    def audit(self) -> None:
        content_type = ContentType.objects.get_for_model(Application)
        audit_id = next_id(AuditEvent)
        rows = []
        for app in self.apps:
            if app["status"] == "draft":
                continue
            rows.append((audit_id, app["submitted"], app["owner"], "application_submitted",
                         content_type.pk, str(app["pk"]), app["reference"], "draft", "submitted",
                         {"reference": app["reference"]}))
            audit_id += 1
        copy_rows(AuditEvent, ["id", "at", "actor_id", "verb", "content_type_id", "object_id",
                               "object_repr", "from_state", "to_state", "data"], rows)
        self.step("audit events", len(rows))

    def references(self) -> None:
        # New submissions continue each sequence after the generated ones.
        for key, last in self.sequence.items():
            ReferenceSequence.objects.update_or_create(key=key, defaults={"last_value": last})


def analyse(log=print) -> float:
    """VACUUM ANALYZE, so the planner's figures and visibility maps match the data."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    took = time.monotonic() - started
    log(f"  VACUUM ANALYZE in {took:.1f}s")
    return took


def database_name() -> str:
    return settings.DATABASES["default"]["NAME"]
