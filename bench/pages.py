"""
Server time and SQL queries of the main pages, through Django's test client
signed in as a user of the page's role, each beside its baseline view
(bench/views.py). Pages are found by URL name at run time; a page whose name
does not exist yet is reported as "not built yet".

Every captured query of a page is also run through EXPLAIN, to find
sequential scans of large tables that an index could have avoided.
"""

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from accounts.models import User

from .datagen import Generated
from .stats import summary_ms

# Tables with at least this many rows are "large" for the EXPLAIN check.
LARGE_TABLE_ROWS = 10_000
# A sequential scan keeping less than this share of its table's rows could
# have used an index.
SELECTIVE_SHARE = 0.05
INFORMATIONAL = "reads most of the table for an aggregate or a join (an index would not help)"
SELECTIVE = "selective filter without an index"
ONE_PAGE = "reads the whole table to show one page (no index serves the filter, join or sort)"


@dataclass
class Page:
    key: str
    title: str
    names: list[str]  # URL names to try, in order
    role: str  # which generated user signs in
    baseline: str  # bench URL name
    kwargs: Callable[[Generated], dict] = lambda g: {}
    query: str = ""
    main: bool = True  # one of the main pages, held to its targets
    keyword: str = ""  # when no name matches, look for a URL name containing this
    variants: list[str] = field(default_factory=list)  # more query strings to EXPLAIN


def _round(g: Generated) -> dict:
    return {"pk": g.largest_round}


PAGES = [
    Page("dashboard", "Applicant dashboard", ["grants:dashboard"], "applicant", "bench:dashboard"),
    Page("round_applications", "Round application list (officer)", ["grants:round_applications"],
         "officer", "bench:round_applications", _round,
         variants=["status=approved", "page=20", "status=rejected&page=3"]),
    Page("score", "Scoring page (assessor)", ["grants:score"], "assessor", "bench:score",
         lambda g: {"pk": g.scoring[1]}),
    Page("ranking", "Ranking page", ["grants:ranking", "grants:round_ranking", "rounds:ranking",
                                     "grants:rank", "assessment:ranking"],
         "officer", "bench:ranking", _round, keyword="rank"),
    Page("finance_summary", "Finance summary (dashboard)", ["payments:summary"], "finance",
         "bench:finance_summary"),
    Page("run_detail", "Payment run page", ["payments:run_detail"], "finance", "bench:run_detail",
         lambda g: {"pk": g.typical_paid_run}),
    Page("monitoring", "Monitoring overview", [
        "grants:monitoring_overview", "grants:monitoring", "monitoring:overview",
        "monitoring:returns", "monitoring:list", "grants:monitoring_returns",
        "notifications:monitoring", "grants:returns",
    ], "officer", "bench:monitoring", keyword="monitoring"),
    Page("search", "Search", ["search:results", "search:search", "search:index", "search",
                              "grants:search", "reports:search", "dashboards:search"],
         "officer", "bench:search", query="q=SCG-20", keyword="search"),
    # Further list pages that exist, measured the same way; they are not
    # among the named main pages.
    Page("assessor_queue", "Assessor's queue", ["grants:assessor_queue"], "assessor",
         "bench:assessor_queue", main=False),
    Page("approver_queue", "Approver's queue", ["grants:approver_queue"], "approver",
         "bench:approver_queue", main=False),
    Page("officer_home", "Officer home (rounds)", ["grants:officer_home"], "officer",
         "bench:officer_home", main=False),
    Page("run_list", "Payment runs list", ["payments:run_list"], "finance", "bench:run_list",
         main=False),
    Page("award_list", "Finance award list", ["payments:award_list"], "finance",
         "bench:award_list", main=False, variants=["q=SCG-2019", "page=40"]),
]


def _all_names(resolver=None, prefix="") -> list[tuple[str, set[str]]]:
    """Every named URL with the names of its arguments."""
    resolver = resolver or get_resolver()
    found = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += _all_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((prefix + pattern.name, set(pattern.pattern.regex.groupindex)))
    return found


def resolve(page: Page, generated: Generated) -> tuple[str, str] | None:
    """(url name, path) of the page, or None when it is not built yet."""
    kwargs = page.kwargs(generated)
    for name in page.names:
        try:
            return name, reverse(name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
    if page.keyword:
        round_id = generated.largest_round
        for name, arguments in _all_names():
            if name.startswith(("bench:", "admin:")) or page.keyword not in name.split(":")[-1]:
                continue
            guesses = [{}, {"pk": round_id}, {"round_pk": round_id}, {"round_id": round_id}]
            for guess in guesses:
                if set(guess) == arguments:
                    try:
                        return name, reverse(name, kwargs=guess or None)
                    except NoReverseMatch:
                        continue
    return None


def _user_for(role: str, generated: Generated) -> User:
    email = {
        "applicant": generated.dashboard_user,
        "assessor": generated.scoring[0] if generated.scoring else "",
        "officer": generated.officers[0],
        "approver": generated.approvers[0],
        "finance": generated.finance[0],
    }[role]
    return User.objects.get(email=email)


def _timed_in_turn(client: Client, path: str, baseline_path: str, *, repeat: int, budget: float
                   ) -> tuple[list[float], int, list[float], int]:
    """
    The page and its baseline requested in turn, so that whatever else the
    machine is doing slows both alike and their ratio stays fair (measured
    one after the other, a busy few seconds landed on one of them only).
    """
    timings, base_timings, status, base_status = [], [], 0, 0
    deadline = time.monotonic() + budget
    for index in range(repeat):
        for target, into in ((path, timings), (baseline_path, base_timings)):
            started = time.perf_counter()
            response = client.get(target)
            into.append(time.perf_counter() - started)
            if target == path:
                status = response.status_code
            else:
                base_status = response.status_code
        if index >= 2 and time.monotonic() > deadline:
            break
    return timings, status, base_timings, base_status


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def repeated_queries(queries: list[str]) -> tuple[str, int]:
    """The query shape that ran most often, and how often (an N+1 shows here)."""
    if not queries:
        return "", 0
    shapes = Counter(_LITERALS.sub("?", sql) for sql in queries)
    shape, count = shapes.most_common(1)[0]
    return shape, count


def measure_page(page: Page, generated: Generated, *, repeat: int, budget: float) -> dict:
    found = resolve(page, generated)
    result = {"key": page.key, "title": page.title, "main": page.main}
    if found is None:
        result["status"] = "not built yet"
        return result
    name, path = found
    path_query = f"{path}?{page.query}" if page.query else path
    user = _user_for(page.role, generated)
    client = Client()
    client.force_login(user)
    # Warm up (template loading, first connection).
    for _ in range(2):
        response = client.get(path_query)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path_query)
    queries = [q["sql"] for q in captured.captured_queries]
    slowest = max(captured.captured_queries, key=lambda q: float(q["time"]), default=None)
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    shape, times = repeated_queries(queries)
    result.update({
        "status": "measured" if response.status_code == 200 else f"HTTP {response.status_code}",
        "url_name": name,
        "path": path_query,
        "queries": len(queries),
        "most_repeated_query": {"times": times, "sql": shape[:300]},
        "sql_ms": round(sql_ms, 1),
        "slowest_query": {"ms": round(float(slowest["time"]) * 1000, 1), "sql": slowest["sql"][:600]}
        if slowest else None,
        "slowest_queries": [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"][:400]}
            for q in sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]
        ],
        "bytes": len(response.content),
    })
    baseline_path = reverse(page.baseline, kwargs=page.kwargs(generated) or None)
    if page.query:
        baseline_path += f"?{page.query}"
    for _ in range(2):
        client.get(baseline_path)
    with CaptureQueriesContext(connection) as captured_baseline:
        client.get(baseline_path)
    # Read now: the next request's request_started signal empties the log.
    baseline_queries = len(captured_baseline.captured_queries)
    timings, status, base_timings, base_status = _timed_in_turn(
        client, path_query, baseline_path, repeat=repeat, budget=budget
    )
    result.update(summary_ms(timings))
    if status != 200:
        result["status"] = f"HTTP {status}"
    base = summary_ms(base_timings)
    result["baseline"] = {"path": baseline_path, "queries": baseline_queries, **base,
                          "status": base_status}
    if result.get("median_ms") and base["median_ms"]:
        result["ratio"] = round(result["median_ms"] / base["median_ms"], 2)
    result["explain"] = explain_queries(queries, page=page.key)
    for variant in page.variants:
        with CaptureQueriesContext(connection) as captured_variant:
            client.get(f"{path}?{variant}")
        result["explain"] += explain_queries(
            [q["sql"] for q in captured_variant.captured_queries], page=f"{page.key}?{variant}"
        )
    return result


def measure_pages(generated: Generated, *, repeat: int, budget: float, log=print) -> list[dict]:
    results = []
    for page in PAGES:
        started = time.monotonic()
        result = measure_page(page, generated, repeat=repeat, budget=budget)
        if result["status"] == "not built yet":
            log(f"  {page.title}: not built yet")
        else:
            log(f"  {page.title}: {result['status']}, median {result.get('median_ms')} ms, "
                f"p95 {result.get('p95_ms')} ms, {result.get('queries')} queries, "
                f"baseline {result['baseline']['median_ms']} ms "
                f"({time.monotonic() - started:.0f}s)")
        results.append(result)
    return results


# --- EXPLAIN ---------------------------------------------------------------------


def _table_rows() -> dict[str, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' "
            "AND relnamespace = 'public'::regnamespace"
        )
        return dict(cursor.fetchall())


_sizes: dict[str, float] = {}
_reported: set[tuple] = set()


def _walk(node: dict, parents: list[str]):
    yield node, parents
    for child in node.get("Plans", []):
        yield from _walk(child, [*parents, node["Node Type"]])


def explain_queries(queries: list[str], *, page: str) -> list[dict]:
    """Sequential scans of large tables in these queries' plans."""
    global _sizes
    if not _sizes:
        _sizes = _table_rows()
    findings = []
    seen = set()
    for sql in queries:
        if not sql.lstrip().upper().startswith("SELECT") or sql in seen:
            continue
        seen.add(sql)
        with connection.cursor() as cursor:
            try:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}")
            except Exception as error:  # a query that cannot be explained is reported, not fatal
                findings.append({"page": page, "error": str(error)[:200], "sql": sql[:300]})
                continue
            plan = cursor.fetchone()[0][0]["Plan"]
        one_page = plan["Node Type"] == "Limit"
        for node, _parents in _walk(plan, []):
            if node["Node Type"] != "Seq Scan":
                continue
            table = node.get("Relation Name", "")
            rows = _sizes.get(table, 0)
            if rows < LARGE_TABLE_ROWS:
                continue
            share = node.get("Plan Rows", 0) / rows if rows else 1
            if node.get("Filter") and share < SELECTIVE_SHARE:
                verdict = SELECTIVE
            elif one_page:
                verdict = ONE_PAGE
            else:
                verdict = INFORMATIONAL
            key = (page.split("?")[0], table, verdict, node.get("Filter", ""))
            if key in _reported:
                continue
            _reported.add(key)
            findings.append({
                "page": page,
                "table": table,
                "table_rows": int(rows),
                "plan_rows": node.get("Plan Rows"),
                "filter": node.get("Filter", ""),
                "verdict": verdict,
                "needs_index": verdict != INFORMATIONAL,
                "sql": sql[:400],
            })
    return findings
