from django.urls import reverse

from .roles import Role, role_names

# (label, url name, roles that see it), in the order the header shows them.
NAVIGATION = [
    ("Your applications", "grants:dashboard", {Role.APPLICANT}),
    ("Funding rounds", "rounds:list", {Role.APPLICANT}),
    ("Messages", "notifications:list", {Role.APPLICANT}),
    ("Applications", "grants:officer_home", {Role.GRANT_OFFICER, Role.ADMINISTRATOR}),
    ("Monitoring", "grants:monitoring_returns", {Role.GRANT_OFFICER, Role.ADMINISTRATOR}),
    ("Scoring", "grants:assessor_queue", {Role.ASSESSOR}),
    ("Decisions", "grants:approver_queue", {Role.APPROVER}),
    ("Grant offers", "payments:offer_list", {Role.GRANT_OFFICER}),
    ("Variations", "payments:variation_list", {Role.GRANT_OFFICER, Role.APPROVER}),
    ("Finance", "payments:summary", {Role.FINANCE, Role.ADMINISTRATOR}),
    ("Payment runs", "payments:run_list", {Role.FINANCE, Role.ADMINISTRATOR}),
    ("Reports", "grants:report",
     {Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR}),
    ("Search", "grants:search",
     {Role.GRANT_OFFICER, Role.APPROVER, Role.FINANCE, Role.ADMINISTRATOR}),
    ("People", "accounts:people", {Role.ADMINISTRATOR}),
    ("Audit log", "accounts:audit_log", {Role.ADMINISTRATOR}),
    ("Personal data", "accounts:subject_access", {Role.ADMINISTRATOR}),
]


def navigation(request):
    """The header's links for the signed-in user's roles, marking the current one."""
    roles = role_names(request.user)
    items = [
        {"label": label, "url": reverse(url_name), "active": False}
        for label, url_name, allowed in NAVIGATION
        if roles & {str(r) for r in allowed}
    ]
    # The most specific link wins: /finance/runs/ is "Payment runs", not "Finance".
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items, "service_name": "Community Grants"}
