"""
The access matrix: every URL pattern in the project, opened with GET by
every role, gives the answer tests/security/access_rules.py says it should.

A URL pattern without a rule fails `test_every_url_pattern_has_an_access_rule`
with the line to add. Objects in URLs are organisation A's (and the
assessor's own assignment): organisation B's member must get a 404 on them,
never a page (no insecure direct object references).

One data set serves the whole module, and each role's answers are collected
before asserting, so one run reports every mismatch at once.
"""

import fnmatch
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import Role
from applicants.choices import MembershipRole
from applicants.services import invite_member
from grants.models import ApplicationStatus, AssignmentStatus, MonitoringStatus
from payments.models import AwardVariation, PaymentStatus, Repayment
from tests.accounts.factories import UserFactory
from tests.applicants.factories import MembershipFactory, OrganisationDocumentFactory
from tests.conftest import confirm_identity
from tests.grants.factories import (
    ApplicationFactory,
    AssignmentFactory,
    AttachmentFactory,
    AwardFactory,
    DecisionFactory,
    MonitoringFileFactory,
    MonitoringReturnFactory,
)
from tests.payments.factories import PaymentFactory

from .access_rules import LOGIN, NOT_ALLOWED, OK, REAUTH, RULES, Obj

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    key: str  # "namespace:name", or the route itself for an unnamed pattern
    route: str
    name: str | None
    arguments: tuple[str, ...] = ()


# Values for URL arguments a wildcard rule cannot name (the admin's).
FALLBACK_ARGUMENTS = {"app_label": "grants", "object_id": "0", "content_type_id": "1"}


def url_patterns(patterns=None, namespace="", prefix=""):
    """Every URL pattern in the project, depth first, with its full name and route."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else None
            route = prefix + str(pattern.pattern)
            arguments = tuple(pattern.pattern.regex.groupindex)
            yield Route(key=name or route, route=route, name=name, arguments=arguments)


def rule_for(key: str):
    """The exact rule, else the first wildcard rule (`admin:*`) that matches."""
    if key in RULES:
        return RULES[key]
    for pattern, rule in RULES.items():
        if "*" in pattern and fnmatch.fnmatchcase(key, pattern):
            return rule
    return None


def test_every_url_pattern_has_an_access_rule():
    missing = [route for route in url_patterns() if rule_for(route.key) is None]
    assert not missing, (
        "These URL patterns have no access rule. Add one line each to RULES in "
        "tests/security/access_rules.py saying who may open them "
        "(see docs/security.md):\n"
        + "\n".join(f'    "{route.key}": page(...),  # {route.route}' for route in missing)
    )


def test_every_rule_names_a_url_pattern_that_exists():
    keys = [route.key for route in url_patterns()]
    stale = [
        key for key in RULES
        if not (fnmatch.filter(keys, key) if "*" in key else key in keys)
    ]
    assert not stale, f"Rules for URL patterns that no longer exist: {stale}"


@pytest.fixture
def world(db):
    """Organisation A's records in every state a page needs, and a person for each role."""
    people = {
        "applicant_a": MembershipFactory(role=MembershipRole.OWNER).user,
        "applicant_b": MembershipFactory(role=MembershipRole.OWNER).user,
        "assessor": UserFactory(roles=[Role.ASSESSOR]),
        "conflicted_assessor": UserFactory(roles=[Role.ASSESSOR]),
        "officer": UserFactory(roles=[Role.GRANT_OFFICER]),
        "approver": UserFactory(roles=[Role.APPROVER]),
        "finance": UserFactory(roles=[Role.FINANCE]),
        "administrator": UserFactory(roles=[Role.ADMINISTRATOR]),
    }
    organisation = people["applicant_a"].memberships.get().organisation
    editor = MembershipFactory(organisation=organisation, role=MembershipRole.EDITOR)
    application = ApplicationFactory(organisation=organisation, status=ApplicationStatus.IN_ASSESSMENT)
    assignment = AssignmentFactory(
        application=application, assessor=people["assessor"], status=AssignmentStatus.IN_PROGRESS
    )
    conflicted = AssignmentFactory(
        application=application,
        assessor=people["conflicted_assessor"],
        status=AssignmentStatus.CONFLICTED,
    )
    decision = DecisionFactory(application__organisation=organisation)
    payment = PaymentFactory(
        status=PaymentStatus.PAID, instalment__award__application__organisation=organisation
    )
    award = payment.instalment.award
    offered = AwardFactory(application__organisation=organisation)
    monitoring_return = MonitoringReturnFactory(
        award__application__organisation=organisation, status=MonitoringStatus.DUE
    )
    objects = {
        "organisation": organisation,
        "person": people["assessor"],
        "membership": editor,
        "invitation": invite_member(
            organisation=organisation,
            actor=people["applicant_a"],
            email="invitee@example.org",
            role=MembershipRole.VIEWER,
        ),
        "document": OrganisationDocumentFactory(organisation=organisation),
        "round": application.round,
        "application": application,
        "attachment": AttachmentFactory(application=application),
        "assignment": assignment,
        "conflicted_assignment": conflicted,
        "decided_application": decision.application,
        "scored_application": ApplicationFactory(
            organisation=organisation, status=ApplicationStatus.SCORED
        ),
        "return": monitoring_return,
        "return_application": monitoring_return.award.application,
        "return_file": MonitoringFileFactory(monitoring_return=monitoring_return),
        "offered_application": offered.application,
        "award": award,
        "payment": payment,
        "run": payment.run,
        "repayment": Repayment.objects.create(
            award=award, amount="1.00", reason="Underspend", requested_by=people["finance"]
        ),
        "programme": application.round.programme,
        "variation": AwardVariation.objects.create(
            award=award, reason="A later start", requested_by=people["finance"]
        ),
    }
    return {"people": people, "objects": objects}


def url_of(route: Route, rule, objects) -> str:
    kwargs = {
        name: (getattr(objects[value.name], value.attribute) if isinstance(value, Obj) else value)
        for name, value in rule.kwargs.items()
    }
    for name in route.arguments:
        kwargs.setdefault(name, FALLBACK_ARGUMENTS.get(name))
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    # Unnamed patterns (the admin's old-style redirects) are only matched by
    # wildcard rules that give a literal path.
    return rule.path


def answer_of(response) -> str:
    code = response.status_code
    if code in (301, 302, 303):
        location = response["Location"]
        if location.startswith((reverse("account_login"), reverse("admin:login"))):
            return LOGIN
        if location.startswith((reverse("account_reauthenticate"), reverse("mfa_reauthenticate"))):
            return REAUTH
        return OK
    if code == 200:
        return OK
    if code == 405:
        return NOT_ALLOWED
    return code


def test_every_role_gets_the_expected_answer_on_every_page(world):
    clients = {"anonymous": Client()}
    for role, user in world["people"].items():
        client = Client()
        client.force_login(user)
        confirm_identity(client, user)
        clients[role] = client

    mismatches = []
    for route in url_patterns():
        rule = rule_for(route.key)
        if rule is None:
            continue
        url = url_of(route, rule, world["objects"])
        for role in rule.roles:
            expected = rule.expected(role)
            try:
                actual = answer_of(clients[role].get(url))
            except Exception as error:  # noqa: BLE001 - reported with the rest
                actual = f"{type(error).__name__}: {error}"
            if actual != expected:
                mismatches.append(f"{route.key:40} {role:20} expected {expected!s:10} got {actual}  ({url})")
    assert not mismatches, "Access answers differ from tests/security/access_rules.py:\n" + "\n".join(
        mismatches
    )
