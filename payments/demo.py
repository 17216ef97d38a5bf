"""
Demo data for `make run`: the three programmes, an open round of each live
programme, the Communities Fund's history and one sign-in per role.

Live records (applications in the open rounds, their assessment, awards and
a payment run) are made through the services, exactly as people would make
them, so their audit trail and emails are real. The Communities Fund
records are an import of past grants: they are written directly in their
final states with bulk_create, as a migration from the old system would be.

Everything is deterministic (a fixed random seed), and loading is
idempotent: once the Communities Fund exists nothing more is added, and the
demo sign-ins are checked and printed every time.

Figures DOMAIN.md gives are used as given (379 Communities Fund grants over
3 rounds totalling just under £2.6m, the first round opening in March 2020
with £1m). Everything else is invented, and marked so below: organisation
names, numbers and bank details, cost centres and GL codes, later budgets,
the split of grants between rounds, dates and amounts. No real person's
name, email or telephone number appears.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services import grant_role, record_audit_event
from applicants.choices import District, LegalStructure, MembershipRole
from applicants.models import Membership, Organisation
from grants import services as grant_services
from grants.models import (
    Application,
    ApplicationStatus,
    Award,
    AwardStatus,
    Decision,
    EntryChannel,
    Recommendation,
    ReferenceSequence,
)
from rounds.models import Criterion, Outcome, Programme, Round, RoundStatus

from . import services as payment_services
from .models import Instalment, Payment, PaymentRun, PaymentRunStatus, PaymentStatus

DEMO_PASSWORD = "demo-password-2026"
SEED = 2020


@dataclass(frozen=True)
class DemoUser:
    email: str
    full_name: str
    role: Role
    note: str = ""


APPLICANT_ORGANISATION = "Braunstone Town Lunch Club"

DEMO_USERS = [
    DemoUser("applicant@example.org", "Demo Applicant", Role.APPLICANT,
             f"owner of {APPLICANT_ORGANISATION}"),
    DemoUser("assessor@example.org", "Demo Assessor", Role.ASSESSOR),
    DemoUser("officer@example.org", "Demo Grant Officer", Role.GRANT_OFFICER),
    DemoUser("approver@example.org", "Demo Approver", Role.APPROVER),
    DemoUser("finance@example.org", "Demo Finance Officer", Role.FINANCE,
             "builds payment runs"),
    DemoUser("finance2@example.org", "Demo Finance Approver", Role.FINANCE,
             "approves runs the other builds"),
    DemoUser("admin@example.org", "Demo Administrator", Role.ADMINISTRATOR,
             "also signs in to /django-admin/"),
]

# --- Programmes (descriptions quoted from DOMAIN.md) ------------------------

NOT_PARISH_COUNCILS = [
    s.value for s in LegalStructure if s != LegalStructure.TOWN_OR_PARISH_COUNCIL
]

# Cost centres and GL codes are invented: the council's chart of accounts
# is not published.
PROGRAMMES = [
    {
        "code": "SCG",
        "name": "SHIRE Community Grants",
        "description": (
            "Provides grant funding to charities and other voluntary/community "
            "organisations and social enterprises, to support the delivery of services, "
            "projects and activities which improve the lives of vulnerable and "
            "disadvantaged people and groups."
        ),
        "cost_centre": "CS4410",
        "gl_code": "54100",
        "eligible_legal_structures": NOT_PARISH_COUNCILS,
    },
    {
        "code": "CF",
        "name": "Communities Fund",
        "description": (
            "A Covid-19 hardship fund to support voluntary and community sector "
            "organisations in the county to manage the financial impacts of the pandemic: "
            "to enable local groups, impacted by reduced income from sales/trading, room "
            "rental or donations, to keep on providing essential support to vulnerable "
            "people, including those isolating and with reduced social contact. Announced "
            "in March 2020 as a £1 million fund, later increased and extended through "
            "further rounds."
        ),
        "cost_centre": "CS4420",
        "gl_code": "54200",
        "eligible_legal_structures": NOT_PARISH_COUNCILS,
    },
    {
        "code": "SEG",
        "name": "SHIRE Environment Grant",
        "description": (
            "A smaller scheme to enable communities to conduct their own waste prevention "
            "activities, supporting the Strategic Plan's Clean and Green outcome."
        ),
        "cost_centre": "EN2210",
        "gl_code": "54300",
        # Invented: town and parish councils often lead local waste
        # prevention, so this scheme is open to any structure.
        "eligible_legal_structures": [],
    },
]

# --- Organisations (all invented) -------------------------------------------

# Places from DOMAIN.md with their real postcode districts; Bottesford and
# Kegworth sit in Nottingham (NG) and Derby (DE) postcode areas.
PLACES = [
    (District.BLABY, "Braunstone Town", "LE3"),
    (District.BLABY, "Glenfield", "LE3"),
    (District.BLABY, "Enderby", "LE19"),
    (District.CHARNWOOD, "Loughborough", "LE11"),
    (District.CHARNWOOD, "Shepshed", "LE12"),
    (District.CHARNWOOD, "Mountsorrel", "LE12"),
    (District.CHARNWOOD, "Birstall", "LE4"),
    (District.HARBOROUGH, "Market Harborough", "LE16"),
    (District.HARBOROUGH, "Lutterworth", "LE17"),
    (District.HARBOROUGH, "Broughton Astley", "LE9"),
    (District.HINCKLEY_AND_BOSWORTH, "Hinckley", "LE10"),
    (District.HINCKLEY_AND_BOSWORTH, "Earl Shilton", "LE9"),
    (District.HINCKLEY_AND_BOSWORTH, "Bagworth", "LE67"),
    (District.MELTON, "Melton Mowbray", "LE13"),
    (District.MELTON, "Bottesford", "NG13"),
    (District.NORTH_WEST_LEICESTERSHIRE, "Coalville", "LE67"),
    (District.NORTH_WEST_LEICESTERSHIRE, "Ashby de la Zouch", "LE65"),
    (District.NORTH_WEST_LEICESTERSHIRE, "Ibstock", "LE67"),
    (District.NORTH_WEST_LEICESTERSHIRE, "Kegworth", "DE74"),
    (District.OADBY_AND_WIGSTON, "Oadby", "LE2"),
    (District.OADBY_AND_WIGSTON, "Wigston", "LE18"),
]

LS = LegalStructure
# (name after the place, legal structure, who it serves, outcome it supports)
KINDS = [
    ("Community Larder", LS.UNINCORPORATED, "Households on low incomes", "8.2"),
    ("Lunch Club", LS.UNINCORPORATED, "Older people living alone", "8.3"),
    ("Young Carers Club", LS.REGISTERED_CHARITY, "Young carers aged 8 to 18", "8.4"),
    ("Men's Shed", LS.CIO, "Older men at risk of isolation", "8.3"),
    ("Community Centre", LS.CIO, "Everyone in the town", "5.1"),
    ("Good Neighbours Scheme", LS.UNINCORPORATED, "Older and disabled neighbours", "5.5"),
    ("Youth Project", LS.COMPANY_LIMITED_BY_GUARANTEE, "Young people aged 11 to 19", "6.4"),
    ("Community Café", LS.CIC, "Local residents and visitors", "5.1"),
    ("Dementia Support Group", LS.REGISTERED_CHARITY, "People living with dementia", "8.4"),
    ("Food Bank", LS.REGISTERED_CHARITY, "People in food poverty", "8.2"),
    ("Community Library", LS.CIO, "Readers of all ages", "6.2"),
    ("Heritage Centre", LS.REGISTERED_CHARITY, "Residents and visitors", "5.3"),
    ("Methodist Church Hall", LS.FAITH_GROUP, "Local families", "5.1"),
    ("Repair Café", LS.UNINCORPORATED, "Residents who want to mend, not bin", "4.3"),
    ("Community Energy Co-operative", LS.COMMUNITY_BENEFIT_SOCIETY, "Households in fuel poverty",
     "4.1"),
    ("Community Transport", LS.COMPANY_LIMITED_BY_GUARANTEE, "People who cannot use buses",
     "8.3"),
    ("Women's Wellbeing Group", LS.UNINCORPORATED, "Women", "5.1"),
    ("Parent and Toddler Group", LS.OTHER, "Parents and carers of under-fives", "6.1"),
    ("Befriending Service", LS.CIO, "People who are lonely or isolated", "8.3"),
    ("Allotment Society", LS.COMMUNITY_BENEFIT_SOCIETY, "Gardeners and schools", "4.2"),
]
KINDS_BY_NAME = {kind[0]: kind for kind in KINDS}
KINDS_PER_PLACE = 7
# The organisations DESIGN and the brief name as examples always exist.
# So do the ones the live demo applications come from.
FIXED_KINDS = {
    "Braunstone Town": ["Lunch Club"],
    "Shepshed": ["Community Larder"],
    "Wigston": ["Young Carers Club"],
    "Coalville": ["Repair Café", "Community Café"],
    "Hinckley": ["Men's Shed"],
    "Market Harborough": ["Befriending Service"],
    "Melton Mowbray": ["Food Bank"],
    "Loughborough": ["Youth Project"],
    "Ibstock": ["Dementia Support Group"],
}
COUNTY_WIDE = [
    ("Leicestershire Rural Carers Network", LS.CIO, "Carers in rural villages", "8.4"),
    ("County Deaf Social Club", LS.REGISTERED_CHARITY, "Deaf and hard of hearing people",
     "5.1"),
    ("Shire LGBT+ Community Network", LS.UNINCORPORATED, "LGBT+ people and their families",
     "5.1"),
    ("Shire Refugee Welcome", LS.CIO, "Refugees and people seeking asylum", "5.1"),
    ("County Older People's Forum", LS.REGISTERED_CHARITY, "Older people", "5.2"),
    ("Shire Volunteer Drivers", LS.COMPANY_LIMITED_BY_GUARANTEE, "People who cannot drive",
     "5.5"),
]
STREETS = ["Station Road", "High Street", "Church Lane", "Main Street", "Mill Lane",
           "Park Road", "London Road", "Chapel Street", "The Green", "Victoria Road"]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

# --- Communities Fund history ------------------------------------------------

# Round 1's budget is DOMAIN's £1m; later budgets, dates, the split of the
# 379 grants between rounds and each round's total are invented.
CF_ROUNDS = [
    {"name": "Round 1", "opens": date(2020, 3, 30), "closes": date(2020, 7, 31),
     "budget": Decimal("1000000.00"), "awards": 146, "total": Decimal("978350.00")},
    {"name": "Round 2", "opens": date(2020, 8, 24), "closes": date(2020, 12, 18),
     "budget": Decimal("900000.00"), "awards": 128, "total": Decimal("861940.00")},
    {"name": "Round 3", "opens": date(2021, 1, 11), "closes": date(2021, 3, 31),
     "budget": Decimal("750000.00"), "awards": 105, "total": Decimal("737335.50")},
]
CF_MIN_AWARD = Decimal("500.00")
CF_MAX_AWARD = Decimal("25000.00")
CF_AWARD_COUNT = 379
CF_TOTAL_RANGE = (Decimal("2550000.00"), Decimal("2599999.99"))

CF_TITLES = [
    "Keeping our {kind} going through the pandemic",
    "Replacing lost room hire income during lockdown",
    "Emergency food and prescriptions for people shielding",
    "Telephone befriending while our sessions are closed",
    "Covid-safe reopening of our {kind}",
    "Covering core costs after fundraising events were cancelled",
]
SIGNATORY_ROLES = ["Chair", "Treasurer", "Secretary", "Trustee", "Co-ordinator"]


@dataclass
class DemoResult:
    created: bool
    users: list[tuple[DemoUser, User]]


def load_demo_data(*, now: datetime | None = None) -> DemoResult:
    """Load the demo data unless it is there already; always make sure of the sign-ins."""
    now = now or timezone.now()
    with transaction.atomic():
        users = ensure_demo_users()
        created = not Programme.objects.filter(code="CF").exists()
        if created:
            _load(now=now, people={demo.email: user for demo, user in users})
    return DemoResult(created=created, users=users)


def ensure_demo_users() -> list[tuple[DemoUser, User]]:
    admin = None
    result = []
    for demo in DEMO_USERS:
        user, made = User.objects.get_or_create(
            email=demo.email, defaults={"full_name": demo.full_name}
        )
        if made:
            user.set_password(DEMO_PASSWORD)
            if demo.role == Role.ADMINISTRATOR:
                user.is_staff = user.is_superuser = True
            user.save()
        if not has_role(user, demo.role):
            grant_role(user=user, role=demo.role, actor=admin)
            # has_role caches the user's roles on the object.
            user.__dict__.pop("_role_names", None)
        # allauth blocks sign-in until the address is verified.
        EmailAddress.objects.update_or_create(
            user=user, email=demo.email, defaults={"verified": True, "primary": True}
        )
        if demo.role == Role.ADMINISTRATOR:
            admin = user
        result.append((demo, user))
    return result


def _load(*, now: datetime, people: dict[str, User]) -> None:
    rng = random.Random(SEED)
    programmes = {
        spec["code"]: Programme.objects.create(**spec) for spec in PROGRAMMES
    }
    organisations = _create_organisations(rng)
    applicant_org = next(o for o in organisations if o.name == APPLICANT_ORGANISATION)
    Membership.objects.create(
        user=people["applicant@example.org"], organisation=applicant_org,
        role=MembershipRole.OWNER,
    )
    _import_communities_fund(
        rng, programme=programmes["CF"], organisations=organisations, people=people
    )
    _create_live_rounds(
        now=now, programmes=programmes, organisations=organisations,
        applicant_org=applicant_org, people=people,
    )
    _record_a_clawback(people=people, now=now)


# --- Organisations ----------------------------------------------------------


def _create_organisations(rng: random.Random) -> list[Organisation]:
    used_numbers: set[str] = set()

    def unique(make) -> str:
        while (number := make()) in used_numbers:
            pass
        used_numbers.add(number)
        return number

    specs = []
    for district, town, outward in PLACES:
        fixed = FIXED_KINDS.get(town, [])
        others = [k for k in KINDS if k[0] not in fixed]
        chosen = [KINDS_BY_NAME[name] for name in fixed]
        chosen += rng.sample(others, KINDS_PER_PLACE - len(chosen))
        for kind, structure, served, _ in chosen:
            specs.append((f"{town} {kind}", structure, served, district, town, outward))
    for name, structure, served, _ in COUNTY_WIDE:
        specs.append((name, structure, served, District.COUNTY_WIDE, "Glenfield", "LE3"))

    organisations = []
    for name, structure, served, district, town, outward in specs:
        charity_number = company_number = ""
        if structure in (LS.REGISTERED_CHARITY, LS.CIO):
            # Older charities have six-digit numbers, newer ones seven.
            charity_number = unique(
                lambda: str(rng.randint(500000, 529999) if rng.random() < 0.2
                            else rng.randint(1100000, 1199999))
            )
            if structure == LS.REGISTERED_CHARITY and rng.random() < 0.3:
                company_number = unique(lambda: f"{rng.randint(2000000, 9999999):08d}")
        elif structure in (LS.COMPANY_LIMITED_BY_GUARANTEE, LS.CIC):
            company_number = unique(lambda: f"{rng.randint(4000000, 14999999):08d}")
        elif structure == LS.COMMUNITY_BENEFIT_SOCIETY:
            company_number = unique(lambda: f"RS{rng.randint(7000, 9999):06d}")
        small = structure in (LS.UNINCORPORATED, LS.OTHER, LS.FAITH_GROUP)
        income = rng.randint(1500, 40000) if small else rng.randint(20000, 450000)
        inward = f"{rng.randint(1, 9)}{rng.choice(POSTCODE_LETTERS)}{rng.choice(POSTCODE_LETTERS)}"
        organisations.append(
            Organisation(
                name=name,
                legal_structure=structure,
                charity_number=charity_number,
                company_number=company_number,
                address_line_1=f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
                town=town,
                postcode=f"{outward} {inward}",
                district=district,
                annual_income=Decimal(income).quantize(Decimal("1.00")),
                communities_served=served,
                volunteers_count=rng.randint(3, 60),
                bank_account_name=name[:100],
                bank_sort_code=f"{rng.choice(['20', '30', '40', '60', '77', '08'])}"
                               f"{rng.randint(0, 9999):04d}",
                bank_account_number=f"{rng.randint(10000000, 99999999)}",
                bank_details_verified_at=timezone.make_aware(datetime(2020, 3, 2, 10, 0)),
            )
        )
    organisations = Organisation.objects.bulk_create(organisations)
    # They were on the council's records before the pandemic.
    Organisation.objects.filter(pk__in=[o.pk for o in organisations]).update(
        created_at=timezone.make_aware(datetime(2019, 10, 1, 9, 0))
    )
    return organisations


# --- The Communities Fund's history -----------------------------------------


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _split(rng: random.Random, *, total: Decimal, count: int) -> list[Decimal]:
    """
    `count` amounts between the fund's minimum and maximum adding up to
    `total` exactly: whole £10s, except that one takes any odd pounds and pence.
    """
    ten = Decimal("10")
    weights = [rng.lognormvariate(0, 0.7) for _ in range(count)]
    scale = total / Decimal(str(sum(weights)))
    amounts = [
        min(max((Decimal(str(w)) * scale / ten).quantize(Decimal("1"), ROUND_HALF_UP) * ten,
                CF_MIN_AWARD), CF_MAX_AWARD)
        for w in weights
    ]
    odd = total % ten
    difference = total - odd - sum(amounts)
    step = ten if difference > 0 else -ten
    order = list(range(count))
    while difference:
        rng.shuffle(order)
        for index in order:
            if difference and CF_MIN_AWARD <= amounts[index] + step <= CF_MAX_AWARD - ten:
                amounts[index] += step
                difference -= step
    smallest = min(range(count), key=amounts.__getitem__)
    amounts[smallest] += odd
    assert sum(amounts) == total
    assert all(CF_MIN_AWARD <= amount <= CF_MAX_AWARD for amount in amounts)
    return amounts


def _next_thursday(day: date) -> date:
    return day + timedelta(days=(3 - day.weekday()) % 7)


def _import_communities_fund(
    rng: random.Random, *, programme: Programme, organisations: list[Organisation],
    people: dict[str, User],
) -> None:
    officer = people["officer@example.org"]
    approver = people["approver@example.org"]
    builder = people["finance@example.org"]
    checker = people["finance2@example.org"]
    outcomes = {o.code: o.pk for o in Outcome.objects.all()}
    kind_of = {}
    for organisation in organisations:
        kind = next((k for k in KINDS if organisation.name.endswith(k[0])), None)
        kind_of[organisation.pk] = kind or next(
            k for k in COUNTY_WIDE if k[0] == organisation.name
        )
    eligible = [o for o in organisations if o.legal_structure != LS.TOWN_OR_PARISH_COUNCIL]
    sequences: dict[int, int] = {}
    grand_total = Decimal("0")
    grant_count = 0

    for spec in CF_ROUNDS:
        round = Round.objects.create(
            programme=programme, name=spec["name"],
            opens_at=_local(spec["opens"], 9), closes_at=_local(spec["closes"], 17),
            assessment_deadline=spec["closes"], decision_date=spec["closes"],
            budget=spec["budget"], min_award=CF_MIN_AWARD, max_award=CF_MAX_AWARD,
            assessors_per_application=1, scoring_scale_min=0, scoring_scale_max=5,
            # A closed round of the old system, imported in its final state.
            status=RoundStatus.ARCHIVED,
        )
        amounts = _split(rng, total=spec["total"], count=spec["awards"])
        assert sum(amounts) <= spec["budget"]
        recipients = rng.sample(eligible, spec["awards"])
        last_submission = spec["closes"] - timedelta(days=28)
        window = (last_submission - spec["opens"]).days
        submitted_days = sorted(
            spec["opens"] + timedelta(days=rng.randint(0, window)) for _ in amounts
        )

        applications, plans = [], []
        for organisation, amount, submitted_on in zip(
            recipients, amounts, submitted_days, strict=True
        ):
            kind_name, _, served, outcome_code = kind_of[organisation.pk]
            year = submitted_on.year
            sequences[year] = sequences.get(year, 0) + 1
            in_part = rng.random() < 0.2
            requested = (amount * Decimal("1.25")).quantize(Decimal("1")) if in_part else amount
            award_date = submitted_on + timedelta(days=rng.randint(7, 14))
            plans.append({"amount": amount, "award_date": award_date, "in_part": in_part,
                          "outcome": outcome_code})
            applications.append(
                Application(
                    round=round, organisation=organisation,
                    reference=f"{programme.code}-{year}-{sequences[year]:05d}",
                    title=rng.choice(CF_TITLES).format(kind=kind_name.lower()),
                    summary=(
                        "Income from room hire, sales and donations stopped overnight. "
                        "The grant keeps essential support going for people who are "
                        "isolating or have lost contact with others."
                    ),
                    amount_requested=requested,
                    project_start=award_date,
                    project_end=award_date + timedelta(days=182),
                    beneficiaries=served,
                    beneficiaries_count=rng.randint(15, 600),
                    districts_served=(
                        [d.value for d in District if d != District.COUNTY_WIDE]
                        if organisation.district == District.COUNTY_WIDE
                        else [organisation.district]
                    ),
                    status=ApplicationStatus.APPROVED,
                    declaration_name=rng.choice(SIGNATORY_ROLES),
                    submitted_at=_local(submitted_on, rng.randint(9, 16), rng.choice([0, 30])),
                    # The import was done by the grants team; groups applied
                    # online through the old form.
                    created_by=officer,
                    entry_channel=EntryChannel.ONLINE,
                )
            )
        applications = Application.objects.bulk_create(applications)
        Application.objects.filter(round=round).update(
            created_at=F("submitted_at") - timedelta(days=2), updated_at=F("submitted_at")
        )
        Application.outcomes.through.objects.bulk_create(
            Application.outcomes.through(application_id=application.pk, outcome_id=outcomes[code])
            for application, plan in zip(applications, plans, strict=True)
            for code in sorted({"5.4", plan["outcome"]})
        )
        decisions, awards = [], []
        for application, plan in zip(applications, plans, strict=True):
            decided_at = _local(plan["award_date"], 14)
            decisions.append(
                Decision(
                    application=application,
                    recommendation=(
                        Recommendation.FUND_IN_PART if plan["in_part"]
                        else Recommendation.FUND_IN_FULL
                    ),
                    recommended_amount=plan["amount"],
                    reason="Partly funded: some costs were covered by other emergency funds."
                    if plan["in_part"] else "Meets the fund's criteria in full.",
                    recommended_by=officer,
                    approved_amount=plan["amount"],
                    decided_by=approver,
                    decided_at=decided_at,
                )
            )
            awards.append(
                Award(
                    application=application, amount=plan["amount"],
                    award_date=plan["award_date"], offered_at=decided_at,
                    accepted_at=decided_at + timedelta(days=rng.randint(1, 4)),
                    signatory_name=rng.choice(SIGNATORY_ROLES),
                    conditions="Spend the grant on the costs described in the application.",
                    status=AwardStatus.COMPLETED,
                )
            )
        Decision.objects.bulk_create(decisions)
        Decision.objects.filter(application__round=round).update(
            recommended_at=F("decided_at") - timedelta(days=3)
        )
        awards = Award.objects.bulk_create(awards)
        instalments = Instalment.objects.bulk_create(
            Instalment(award=award, number=1, due_date=award.award_date, amount=award.amount)
            for award in awards
        )

        # Weekly BACS runs on Thursdays: built on Tuesday by one person,
        # approved on Wednesday by another, paid on Thursday.
        by_run_day: dict[date, list[Instalment]] = {}
        for instalment in instalments:
            day = _next_thursday(instalment.due_date + timedelta(days=3))
            by_run_day.setdefault(day, []).append(instalment)
        for day, due in sorted(by_run_day.items()):
            assert day <= spec["closes"], (spec["name"], day)
            run = PaymentRun.objects.create(
                created_by=builder, approved_by=checker,
                approved_at=_local(day - timedelta(days=1), 11),
                paid_on=day, payment_reference=f"BACS-{day:%Y%m%d}",
                status=PaymentRunStatus.PAID,
            )
            Payment.objects.bulk_create(
                Payment(instalment=instalment, run=run, amount=instalment.amount,
                        status=PaymentStatus.PAID, paid_on=day,
                        reference=run.payment_reference)
                for instalment in due
            )
            PaymentRun.objects.filter(pk=run.pk).update(
                created_at=_local(day - timedelta(days=2), 10)
            )
            Payment.objects.filter(run=run).update(created_at=_local(day - timedelta(days=3), 16))

        round_total = Award.objects.filter(application__round=round).aggregate(t=Sum("amount"))["t"]
        assert round_total == spec["total"], (spec["name"], round_total)
        grand_total += round_total
        grant_count += len(awards)
        record_audit_event(
            actor=None, verb="historical_awards_imported", subject=round,
            to_state=round.status,
            data={"awards": len(awards), "total": round_total},
        )

    assert grant_count == CF_AWARD_COUNT
    assert CF_TOTAL_RANGE[0] <= grand_total <= CF_TOTAL_RANGE[1], grand_total
    for year, last in sequences.items():
        ReferenceSequence.objects.update_or_create(
            key=f"{programme.code}-{year}", defaults={"last_value": last}
        )


# --- A clawback, through the services -------------------------------------------

# Invented: a Communities Fund grant partly repaid after the group closed,
# so the finance pages show a repayment asked for and received.
CLAWBACK_REFERENCE = "CF-2020-00001"
CLAWBACK_ASKED = Decimal("500.00")
CLAWBACK_RECEIVED = Decimal("500.00")


def _record_a_clawback(*, people: dict[str, User], now: datetime) -> None:
    award = Award.objects.get(application__reference=CLAWBACK_REFERENCE)
    repayment = payment_services.request_repayment(
        award=award, actor=people["finance@example.org"], amount=CLAWBACK_ASKED,
        reason="The group closed before spending all of the grant; the unspent money is "
               "to be returned.",
    )
    payment_services.record_repayment_received(
        repayment=repayment, actor=people["finance2@example.org"], amount=CLAWBACK_RECEIVED,
        received_on=timezone.localdate(now), reference="CHQ-000501",
    )


# --- Live rounds, through the services ----------------------------------------


SCG_CRITERIA = [
    ("Need", 30, "How clearly the application shows the need for the project among "
     "vulnerable or disadvantaged people, with evidence."),
    ("Outcomes", 30, "What difference the project will make, for how many people, and how "
     "it supports the Strategic Plan's outcomes."),
    ("Deliverability", 25, "Whether the group has the people, skills, permissions and plan to "
     "deliver the project on time."),
    ("Value for money", 15, "Whether the costs are realistic and the grant is a good use of "
     "public money, including other funding secured."),
]
SEG_CRITERIA = [
    ("Waste prevented", 40, "How much waste the activity will prevent, and how it will be "
     "measured."),
    ("Community involvement", 35, "How many residents will take part and how the activity "
     "will continue after the grant."),
    ("Deliverability", 25, "Whether the plan, budget and people are in place."),
]


def _financial_year(day: date) -> str:
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _create_round(*, programme, name, now, opens_days_ago, closes_in_days, budget, min_award,
                  max_award, max_income, criteria) -> Round:
    today = timezone.localdate(now)
    closes = today + timedelta(days=closes_in_days)
    round = Round.objects.create(
        programme=programme, name=name,
        opens_at=_local(today - timedelta(days=opens_days_ago), 9),
        closes_at=_local(closes, 12),
        assessment_deadline=closes + timedelta(days=28),
        decision_date=closes + timedelta(days=56),
        budget=budget, min_award=min_award, max_award=max_award,
        max_annual_income=max_income, assessors_per_application=1,
        scoring_scale_min=0, scoring_scale_max=5,
        # No rounds service exists to publish with; a demo round is set up
        # published, as an officer would leave it.
        status=RoundStatus.PUBLISHED,
    )
    Criterion.objects.bulk_create(
        Criterion(round=round, title=title, weight=weight, guidance=guidance, max_score=5,
                  order=order)
        for order, (title, weight, guidance) in enumerate(criteria, start=1)
    )
    return round


LIVE_APPLICATIONS = [
    # (organisation, title, amount, stage)
    ("Shepshed Community Larder", "Chest freezers and a cold room for donated food",
     "6500.00", "submitted"),
    ("Hinckley Men's Shed", "Workshop tools and a wheelchair-accessible bench",
     "4200.00", "submitted"),
    ("Market Harborough Befriending Service", "Volunteer befriender training programme",
     "7800.00", "assessment"),
    ("Melton Mowbray Food Bank", "A second weekly distribution session", "9500.00",
     "assessment"),
    ("Loughborough Youth Project", "Detached youth work on three estates", "10000.00",
     "recommended"),
    ("Wigston Young Carers Club", "Respite trips and a weekly club night for young carers",
     "5750.00", "accepted"),
    ("Coalville Community Café", "Pay-as-you-feel community meals", "3200.00", "accepted"),
    ("Ibstock Dementia Support Group", "Memory café sessions and carers' drop-in",
     "2450.50", "accepted"),
]


def _create_live_rounds(*, now, programmes, organisations, applicant_org, people) -> None:
    applicant = people["applicant@example.org"]
    officer = people["officer@example.org"]
    assessor = people["assessor@example.org"]
    approver = people["approver@example.org"]
    finance = people["finance@example.org"]
    by_name = {o.name: o for o in organisations}
    fy = _financial_year(timezone.localdate(now))
    # Budgets, limits and dates of the open rounds are invented.
    community = _create_round(
        programme=programmes["SCG"], name=f"{fy} Round 1", now=now, opens_days_ago=21,
        closes_in_days=42, budget=Decimal("250000.00"), min_award=Decimal("500.00"),
        max_award=Decimal("10000.00"), max_income=Decimal("500000.00"), criteria=SCG_CRITERIA,
    )
    environment = _create_round(
        programme=programmes["SEG"], name=fy, now=now, opens_days_ago=10, closes_in_days=35,
        budget=Decimal("30000.00"), min_award=Decimal("250.00"), max_award=Decimal("2500.00"),
        max_income=Decimal("250000.00"), criteria=SEG_CRITERIA,
    )

    # The demo applicant's own draft, half written, to continue and submit.
    draft = grant_services.start_application(
        round=community, organisation=applicant_org, actor=applicant
    )
    grant_services.update_application(
        application=draft, actor=applicant,
        data={"title": "Tuesday lunch club for older people living alone",
              "summary": "A hot two-course lunch, transport and company every Tuesday.",
              "amount_requested": Decimal("4500.00")},
        outcome_ids=list(Outcome.objects.filter(code__in=["8.3", "5.5"])
                         .values_list("pk", flat=True)),
    )

    accepted_payments = []
    for name, title, amount, stage in LIVE_APPLICATIONS:
        application = _enter_application(
            round=community, organisation=by_name[name], officer=officer, title=title,
            amount=Decimal(amount), now=now,
        )
        if stage == "submitted":
            continue
        grant_services.pass_screening(application=application, actor=officer)
        assignment = grant_services.assign_assessor(
            application=application, assessor=assessor, actor=officer
        )
        if stage == "assessment":
            continue
        grant_services.declare_interest(assignment=assignment, actor=assessor, has_conflict=False)
        grant_services.save_scores(
            assignment=assignment, actor=assessor, submit=True,
            scores={
                criterion.pk: (4, "Well evidenced and realistic.")
                for criterion in community.criteria.all()
            },
        )
        application.refresh_from_db()
        grant_services.recommend_application(
            application=application, actor=officer, recommendation=Recommendation.FUND_IN_FULL,
            reason="Strong, well-evidenced application.",
        )
        if stage == "recommended":
            continue
        award = grant_services.approve_application(
            application=application, actor=approver, amount=Decimal(amount)
        )
        grant_services.accept_offer(award=award, actor=officer, signatory_name="Treasurer")
        accepted_payments.append(Payment.objects.get(instalment__award=award))

    _enter_application(
        round=environment, organisation=by_name["Coalville Repair Café"], officer=officer,
        title="Monthly repair café with tool library", amount=Decimal("1800.00"), now=now,
        outcomes=["4.3"],
    )
    # One run waits for the second finance user's approval; the other
    # payable payments are left for a run to be built in the demo.
    payment_services.create_payment_run(
        actor=finance, payment_ids=[accepted_payments[0].pk]
    )


def _enter_application(*, round, organisation, officer, title, amount, now,
                       outcomes=("5.5", "8.3")) -> Application:
    """An application an officer took by telephone (assisted digital), submitted."""
    application = grant_services.start_application(
        round=round, organisation=organisation, actor=officer,
        entry_channel=EntryChannel.TELEPHONE,
        # Invented: a group's contact who rang the grants team.
        contact_name=f"Secretary of {organisation.name}",
    )
    start = timezone.localdate(now) + timedelta(days=90)
    grant_services.update_application(
        application=application, actor=officer,
        data={
            "title": title,
            "summary": f"{title}, run by volunteers for {organisation.communities_served.lower()}.",
            "amount_requested": amount,
            "project_start": start,
            "project_end": start + timedelta(days=364),
            "beneficiaries": organisation.communities_served,
            "beneficiaries_count": 120,
            "districts_served": [organisation.district],
        },
        outcome_ids=list(Outcome.objects.filter(code__in=outcomes).values_list("pk", flat=True)),
        budget_lines=[("Equipment and materials", (amount * Decimal("0.6")).quantize(
            Decimal("0.01"))), ("Volunteer expenses and venue hire",
                                amount - (amount * Decimal("0.6")).quantize(Decimal("0.01")))],
    )
    return grant_services.submit_application(
        application=application, actor=officer, declaration_name="Secretary", now=now
    )
