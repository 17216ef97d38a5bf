"""
Who may open each page: one line per URL pattern, read by
tests/security/test_access_matrix.py, which opens every page as every role
(with GET) and compares the answer with the line here.

Adding a page: add one line to RULES, for example

    "grants:detail": page(APPLICATION, applicant_a=OK, applicant_b=NOT_FOUND),

meaning: the URL takes organisation A's application as `pk`; A's applicant
gets the page; B's applicant gets 404 (it is not theirs, and is not told it
exists); every other signed-in role gets the default, 403; someone signed
out is sent to sign in. `everyone=` changes the default for signed-in
roles, `anonymous=` the answer for someone signed out.

Answers: OK (200, or a redirect somewhere other than sign-in, for example a
page that sends a finished application to its summary), LOGIN (sent to sign
in), REAUTH (asked to confirm who they are), DENIED (403), NOT_FOUND (404),
NOT_ALLOWED (405: the page takes POST only, so GET is refused after the
access check).
"""

from dataclasses import dataclass, field

OK = "ok"
LOGIN = "sign in"
REAUTH = "confirm identity"
DENIED = 403
NOT_FOUND = 404
NOT_ALLOWED = "405"
# For pages called by scripts (autosave): no redirect, a 401 the script reads.
UNAUTHORISED = 401

ROLES = (
    "anonymous",
    "applicant_a",
    "applicant_b",
    "assessor",
    "conflicted_assessor",
    "officer",
    "approver",
    "finance",
    "administrator",
)


@dataclass(frozen=True)
class Obj:
    """A URL argument taken from the test's data set: `Obj("application")` is its pk."""

    name: str
    attribute: str = "pk"


@dataclass(frozen=True)
class Rule:
    answers: dict
    default: object
    kwargs: dict = field(default_factory=dict)
    # For an unnamed pattern (only the admin has them): the path to open.
    path: str = ""
    # The roles to check, when not all of them (see the Django admin below).
    roles: tuple[str, ...] = ROLES

    def expected(self, role: str):
        return self.answers.get(role, self.default)


def page(
    kwargs=None, *, everyone=DENIED, anonymous=LOGIN, path="", roles=ROLES, **answers
) -> Rule:
    unknown = set(answers) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles in an access rule: {unknown}")
    return Rule(
        answers={"anonymous": anonymous, **answers},
        default=everyone,
        kwargs=kwargs or {},
        path=path,
        roles=roles,
    )


def public(kwargs=None, *, anonymous=OK, **answers) -> Rule:
    """Open to everyone, signed in or not."""
    return page(kwargs, everyone=OK, anonymous=anonymous, **answers)


# URL arguments: organisation A's records (see `world` in the test).
ORGANISATION = {"pk": Obj("organisation")}
APPLICATION = {"pk": Obj("application")}
# A staff member's account, for the administrators' people pages.
PERSON = {"pk": Obj("person")}
STAFF_ONLY_APPLICANTS_REFUSED = {"applicant_a": DENIED, "applicant_b": DENIED}

# The roles with the staff pages of each kind (what the mixins in
# accounts/permissions.py allow).
OFFICERS = {"officer": OK, "administrator": OK}
FINANCE = {"finance": OK, "administrator": OK}
OFFICERS_POST = {"officer": NOT_ALLOWED, "administrator": NOT_ALLOWED}
FINANCE_POST = {"finance": NOT_ALLOWED, "administrator": NOT_ALLOWED}
# Entering an application for a group is grant officers' work alone.
ASSISTED = {"officer": OK}
APPLICANTS = {"applicant_a": OK, "applicant_b": OK}
A_ONLY = {"applicant_a": OK, "applicant_b": NOT_FOUND}
# An application's own pages: its organisation's members, and the grant
# officer who entered it for a group (assisted digital); for any other
# officer it is not found, as for other organisations.
RETURN = {"pk": Obj("return_application"), "return_pk": Obj("return")}
REPORT_READERS = {"officer": OK, "approver": OK, "finance": OK, "administrator": OK}
A_APPLICATION = {**A_ONLY, "officer": NOT_FOUND}
ADMIN_SAMPLE = ("anonymous", "applicant_a", "finance", "administrator")

RULES: dict[str, Rule] = {
    # --- The service's own pages outside the apps ---------------------------
    "home": public(),
    "healthz": public(),
    "accessibility": public(),
    # --- Sign-in and account pages (django-allauth) -------------------------
    "account_login": public(),
    "account_logout": public(),
    "account_inactive": public(),
    "account_signup": public(),
    "account_reauthenticate": page(everyone=OK),
    "account_email": page(everyone=OK),
    "account_email_verification_sent": public(),
    "account_change_password": page(everyone=OK),
    "account_set_password": page(everyone=OK),
    "account_reset_password": public(),
    "account_confirm_login_code": public(anonymous=LOGIN),
    "account_confirm_email": public({"key": "not-a-real-key"}),
    "account_reset_password_from_key_done": public(),
    "account_reset_password_from_key": public({"uidb36": "1", "key": "not-a-real-key"}),
    "account_reset_password_done": public(),
    "mfa_index": page(everyone=OK),
    "mfa_authenticate": public(anonymous=LOGIN),
    # Without an authenticator app, the password form is used instead.
    "mfa_reauthenticate": page(everyone=REAUTH),
    "mfa_activate_totp": page(everyone=OK),
    # Nobody in the data set has an authenticator app yet: nothing to show.
    "mfa_deactivate_totp": page(everyone=NOT_FOUND),
    "mfa_view_recovery_codes": page(everyone=NOT_FOUND),
    "mfa_generate_recovery_codes": page(everyone=OK),
    "mfa_download_recovery_codes": page(everyone=NOT_FOUND),
    # --- Organisations (applicants/) ----------------------------------------
    "applicants:list": page(**APPLICANTS),
    "applicants:create": page(**APPLICANTS),
    "applicants:detail": page(ORGANISATION, **A_ONLY),
    "applicants:switch": page(ORGANISATION, applicant_a=NOT_ALLOWED, applicant_b=NOT_ALLOWED),
    "applicants:edit": page(ORGANISATION, **A_ONLY),
    "applicants:access_needs": page(ORGANISATION, **A_ONLY),
    "applicants:bank_details": page(ORGANISATION, **A_ONLY),
    # Full, unmasked bank details: finance alone, every view audited.
    "applicants:bank_details_full": page(ORGANISATION, finance=OK),
    "applicants:documents": page(ORGANISATION, **A_ONLY),
    "applicants:upload_document": page({"pk": Obj("organisation"), "kind": "accounts"}, **A_ONLY),
    "applicants:download_document": page(
        {"document_pk": Obj("document")}, everyone=NOT_FOUND, applicant_a=OK, officer=OK,
        approver=OK, finance=OK, administrator=OK,
    ),
    "applicants:members": page(ORGANISATION, **A_ONLY),
    "applicants:invite": page(ORGANISATION, **A_ONLY),
    "applicants:change_role": page(
        {"pk": Obj("organisation"), "membership_pk": Obj("membership")}, **A_ONLY
    ),
    "applicants:remove_member": page(
        {"pk": Obj("organisation"), "membership_pk": Obj("membership")}, **A_ONLY
    ),
    "applicants:revoke_invitation": page(
        {"pk": Obj("organisation"), "invitation_pk": Obj("invitation")},
        applicant_a=NOT_ALLOWED, applicant_b=NOT_FOUND,
    ),
    # A made-up token finds nothing, for anyone.
    "applicants:accept_invitation": page(
        {"token": "not-a-real-token"}, everyone=NOT_FOUND, anonymous=NOT_FOUND
    ),
    # --- Funding rounds (rounds/) -------------------------------------------
    "rounds:list": public(),
    "rounds:detail": public({"pk": Obj("round")}),
    # Setting up programmes and rounds: grant officers and administrators.
    "rounds:programmes": page(**OFFICERS),
    "rounds:programme_create": page(**OFFICERS),
    "rounds:programme": page({"pk": Obj("programme")}, **OFFICERS),
    "rounds:programme_edit": page({"pk": Obj("programme")}, **OFFICERS),
    "rounds:round_create": page({"programme_pk": Obj("programme")}, **OFFICERS),
    "rounds:setup": page({"pk": Obj("round")}, **OFFICERS),
    "rounds:round_edit": page({"pk": Obj("round")}, **OFFICERS),
    "rounds:criteria": page({"pk": Obj("round")}, **OFFICERS),
    "rounds:publish": page({"pk": Obj("round")}, **OFFICERS),
    "rounds:archive": page({"pk": Obj("round")}, **OFFICERS),
    "rounds:copy": page({"pk": Obj("round")}, **OFFICERS),
    # --- Applications (grants/) ---------------------------------------------
    "grants:dashboard": page(**APPLICANTS),
    "grants:eligibility": page({"round_pk": Obj("round")}, **APPLICANTS),
    "grants:start": page(applicant_a=NOT_ALLOWED, applicant_b=NOT_ALLOWED),
    "grants:detail": page(APPLICATION, **A_APPLICATION),
    "grants:task_list": page(APPLICATION, **A_APPLICATION),
    "grants:section_project": page(APPLICATION, **A_APPLICATION),
    "grants:section_beneficiaries": page(APPLICATION, **A_APPLICATION),
    "grants:section_outcomes": page(APPLICATION, **A_APPLICATION),
    "grants:section_budget": page(APPLICATION, **A_APPLICATION),
    "grants:section_documents": page(APPLICATION, **A_APPLICATION),
    # Staff who read applications may download their files; a conflicted
    # assessor may not.
    "grants:attachment": page(
        {"pk": Obj("application"), "attachment_pk": Obj("attachment")},
        everyone=OK, applicant_b=NOT_FOUND, conflicted_assessor=NOT_FOUND,
    ),
    "grants:remove_attachment": page(
        {"pk": Obj("application"), "attachment_pk": Obj("attachment")},
        applicant_a=NOT_ALLOWED, applicant_b=NOT_ALLOWED, officer=NOT_ALLOWED,
    ),
    "grants:autosave": page(
        APPLICATION, anonymous=UNAUTHORISED,
        applicant_a=NOT_ALLOWED, applicant_b=NOT_ALLOWED, officer=NOT_ALLOWED,
    ),
    "grants:submit": page(APPLICATION, **A_APPLICATION),
    "grants:submitted": page(APPLICATION, **A_APPLICATION),
    "grants:withdraw": page(APPLICATION, **A_APPLICATION),
    "grants:print": page(APPLICATION, **A_APPLICATION),
    "grants:offer": page({"pk": Obj("offered_application")}, **A_APPLICATION),
    "grants:offer_decline": page({"pk": Obj("offered_application")}, **A_APPLICATION),
    "grants:offer_print": page({"pk": Obj("offered_application")}, **A_APPLICATION),
    "grants:offer_pdf": page({"pk": Obj("offered_application")}, **A_APPLICATION),
    "grants:officer_home": page(**OFFICERS),
    "grants:round_applications": page({"pk": Obj("round")}, **OFFICERS),
    "grants:officer_application": page(APPLICATION, **OFFICERS),
    "grants:screen": page(APPLICATION, **OFFICERS_POST),
    "grants:assign": page(APPLICATION, **OFFICERS_POST),
    "grants:recommend": page({"pk": Obj("scored_application")}, **OFFICERS),
    "grants:assisted": page(**ASSISTED),
    "grants:assisted_start": page(**ASSISTED),
    "grants:assisted_organisation": page(**ASSISTED),
    "grants:assessor_queue": page(assessor=OK, conflicted_assessor=OK),
    "grants:declare": page({"pk": Obj("assignment")}, assessor=OK, conflicted_assessor=NOT_FOUND),
    "grants:score": page({"pk": Obj("assignment")}, assessor=OK, conflicted_assessor=NOT_FOUND),
    "grants:approver_queue": page(approver=OK),
    "grants:decide": page({"pk": Obj("decided_application")}, approver=OK),
    "grants:approve_selected": page({"pk": Obj("round")}, approver=NOT_ALLOWED),
    # Assessment: screening, assignment, conflicts, moderation and ranking.
    "grants:reopen_screening": page(APPLICATION, **OFFICERS_POST),
    "grants:remove_assignment": page({"pk": Obj("assignment")}, **OFFICERS_POST),
    "grants:allocate_assessors": page({"pk": Obj("round")}, **OFFICERS_POST),
    "grants:round_declarations": page({"pk": Obj("round")}, **OFFICERS),
    "grants:round_moderation": page({"pk": Obj("round")}, **OFFICERS),
    "grants:moderate": page(APPLICATION, **OFFICERS),
    "grants:ranking": page({"pk": Obj("round")}, **OFFICERS),
    "grants:application_history": page(APPLICATION, **OFFICERS),
    # Monitoring returns: the group's pages, then the officers'.
    "grants:return_tasks": page(RETURN, **A_APPLICATION),
    "grants:return_submit": page(RETURN, **A_APPLICATION),
    "grants:return_files": page(RETURN, **A_APPLICATION),
    "grants:return_section": page({**RETURN, "section": "activities"}, **A_APPLICATION),
    # POST only, refused as a GET before any record is looked up (so it tells
    # nobody whether the file exists); another group's POST is a 404
    # (tests/grants/test_monitoring_return_form.py).
    "grants:return_file_remove": page(
        {**RETURN, "file_pk": Obj("return_file")},
        applicant_a=NOT_ALLOWED, applicant_b=NOT_ALLOWED, officer=NOT_ALLOWED,
    ),
    "grants:return_file": page(
        {"return_pk": Obj("return"), "file_pk": Obj("return_file")},
        everyone=OK, applicant_b=NOT_FOUND, assessor=NOT_FOUND, conflicted_assessor=NOT_FOUND,
    ),
    "grants:monitoring_returns": page(**OFFICERS),
    "grants:monitoring_summary": page(**OFFICERS),
    "grants:monitoring_review": page({"pk": Obj("return")}, **OFFICERS),
    "grants:monitoring_case_officer": page({"pk": Obj("return")}, **OFFICERS_POST),
    # Reports and search: the staff who decide and account for grants.
    "grants:report": page(**REPORT_READERS),
    "grants:report_download": page(**REPORT_READERS),
    "grants:search": page(**REPORT_READERS),
    # --- Finance (payments/) ------------------------------------------------
    "payments:summary": page(**FINANCE),
    "payments:ledger": page(**FINANCE),
    "payments:threesixtygiving_json": page(**FINANCE),
    "payments:threesixtygiving_xlsx": page(**FINANCE),
    "payments:award_import": page(**FINANCE),
    "payments:run_list": page(**FINANCE),
    "payments:run_create": page(**FINANCE_POST),
    "payments:run_detail": page({"pk": Obj("run")}, **FINANCE),
    "payments:run_approve": page({"pk": Obj("run")}, **FINANCE_POST),
    "payments:run_export": page({"pk": Obj("run")}, **FINANCE_POST),
    "payments:run_paid": page({"pk": Obj("run")}, **FINANCE_POST),
    "payments:run_payment_file": page({"pk": Obj("run")}, **FINANCE),
    "payments:run_ledger": page({"pk": Obj("run")}, **FINANCE),
    "payments:run_build": page(**FINANCE),
    # Offers, payment rules, variations and closing: finance with grant
    # officers (approvers also see variations, which they decide).
    "payments:offer_list": page(**FINANCE, officer=OK),
    "payments:offer_letter": page({"pk": Obj("award")}, **FINANCE, officer=OK),
    "payments:offer_letter_pdf": page({"pk": Obj("award")}, **FINANCE, officer=OK),
    "payments:payment_rules": page(**FINANCE, officer=OK),
    "payments:bank_check_list": page(**FINANCE),
    # Full bank details: finance alone, every look audited.
    "payments:bank_check": page({"pk": Obj("organisation")}, finance=OK),
    "payments:variation_list": page(**FINANCE, officer=OK, approver=OK),
    "payments:variation_detail": page({"pk": Obj("variation")}, **FINANCE, officer=OK, approver=OK),
    "payments:variation_request": page({"pk": Obj("award")}, **FINANCE, officer=OK),
    "payments:award_close": page({"pk": Obj("award")}, **FINANCE, officer=OK),
    "payments:award_list": page(**FINANCE),
    "payments:award_detail": page({"pk": Obj("award")}, **FINANCE),
    "payments:repayment_request": page({"pk": Obj("award")}, **FINANCE),
    "payments:repayment_received": page({"pk": Obj("repayment")}, **FINANCE),
    "payments:payment_fail": page({"pk": Obj("payment")}, **FINANCE),
    "payments:payment_requeue": page({"pk": Obj("payment")}, **FINANCE_POST),
    # --- Messages (notifications/) ------------------------------------------
    "notifications:list": page(everyone=OK),
    "notifications:failed": page(**OFFICERS),
    "notifications:preferences": page(**APPLICANTS),
    # --- Administration (accounts/) -----------------------------------------
    "accounts:audit_log": page(administrator=OK),
    "accounts:subject_access": page(administrator=OK),
    # Managing people and roles is administrators' alone.
    "accounts:people": page(administrator=OK),
    "accounts:add_staff_member": page(administrator=OK),
    "accounts:person": page(PERSON, administrator=OK),
    "accounts:deactivate_person": page(PERSON, administrator=OK),
    "accounts:reactivate_person": page(PERSON, administrator=OK),
    # --- The Django admin ---------------------------------------------------
    # Django's own rule: staff only (administrators are staff). Administrators
    # hold no model permissions unless given them, so a model's pages are 403
    # and an object that is not there sends them back to the index (OK).
    # Django applies one check to every non-staff person, so the generated
    # model pages are checked for one person of each kind, not all nine.
    "admin:index": page(everyone=LOGIN, administrator=OK),
    "admin:login": public(),
    "admin:logout": public(administrator=NOT_ALLOWED),
    "admin:password_change": page(everyone=LOGIN, administrator=OK),
    "admin:password_change_done": page(everyone=LOGIN, administrator=OK),
    "admin:jsi18n": page(everyone=LOGIN, administrator=OK),
    "admin:view_on_site": page(everyone=LOGIN, administrator=NOT_FOUND),
    "admin:app_list": page({"app_label": "grants"}, everyone=LOGIN, administrator=NOT_FOUND),
    # The object id in the test is one that never exists: its history page
    # sends an administrator back to the index (OK).
    "admin:*_history": page(everyone=LOGIN, administrator=OK, roles=ADMIN_SAMPLE),
    "admin:*": page(everyone=LOGIN, administrator=DENIED, roles=ADMIN_SAMPLE),
    # Old-style object addresses, redirected to the change page.
    "django-admin/*/<path:object_id>/": page(
        everyone=LOGIN, administrator=OK, path="/django-admin/grants/award/0/", roles=ADMIN_SAMPLE
    ),
    "django-admin/(?P<url>.*)$": page(
        everyone=LOGIN, administrator=NOT_FOUND, path="/django-admin/no-such-page/"
    ),
}
