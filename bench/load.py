"""The mixed load: locust, headless, for a fixed time, against gunicorn (4 workers)."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from grants.models import Application, ApplicationStatus

from . import processes
from .datagen import PASSWORD, Generated


def _plan(generated: Generated) -> dict:
    rounds = [generated.largest_round, generated.assessing_round]
    officer_applications = list(
        Application.objects.filter(round_id__in=rounds)
        .exclude(status=ApplicationStatus.DRAFT)
        .order_by("pk")
        .values_list("pk", flat=True)[:400]
    )
    return {
        "password": PASSWORD,
        "applicants": [[email, [f"/applications/{pk}/" for pk in ids]]
                       for email, ids in generated.applicants],
        "assessors": [[email, [f"/assess/{pk}/score/" for pk in ids]]
                      for email, ids in generated.assessors],
        "officers": [[email, []] for email in generated.officers],
        "round_pages": [
            f"/staff/rounds/{pk}/{query}" for pk in rounds
            for query in ("", "?page=2", "?page=10", "?status=in_assessment", "?status=approved")
        ],
        "officer_applications": [f"/staff/applications/{pk}/" for pk in officer_applications],
    }


def _number(text: str) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):  # locust writes N/A when there were no requests
        return 0.0


def _read_stats(path: str) -> dict:
    by_page, total = {}, {}
    with open(path, newline="") as stats:
        for row in csv.DictReader(stats):
            item = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": _number(row["Median Response Time"]),
                "p95_ms": _number(row["95%"]),
                "requests_per_s": round(_number(row["Requests/s"]), 1),
            }
            if row["Name"] == "Aggregated":
                total = item
            else:
                by_page[row["Name"]] = item
    return {"total": total, "by_page": by_page}


def measure_load(generated: Generated, *, seconds: int, users: int, log=print) -> dict:
    results_dir = Path(settings.BENCH_WORK_DIR)
    plan_path = results_dir / "locust-plan.json"
    plan_path.write_text(json.dumps(_plan(generated)))
    prefix = str(results_dir / "locust")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings",
           "BENCH_LOCUST_PLAN": str(plan_path)}
    with processes.gunicorn(base_dir=settings.BASE_DIR, env=env, workers=4,
                            log_path=str(results_dir / "gunicorn-load.log")) as base:
        command = [
            os.path.join(os.path.dirname(sys.executable), "locust"),
            "-f", str(settings.BASE_DIR / "bench" / "locustfile.py"), "--headless",
            "--host", base, "-u", str(users), "-r", str(max(users // 5, 1)),
            "--run-time", f"{seconds}s", "--stop-timeout", "10", "--csv", prefix,
            "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING",
        ]
        with processes.started(command, env=env, cwd=settings.BASE_DIR,
                               log_path=str(results_dir / "locust.log")) as locust:
            try:
                locust.wait(timeout=seconds + 90)
            except subprocess.TimeoutExpired:
                log("  locust did not stop by itself in time: stopped")
    stats = _read_stats(f"{prefix}_stats.csv")
    total = stats["total"]
    requests = total.get("requests", 0)
    result = {
        "users": users,
        "seconds": seconds,
        "requests": requests,
        "requests_per_s": total.get("requests_per_s"),
        "median_ms": total.get("median_ms"),
        "p95_ms": total.get("p95_ms"),
        "failures": total.get("failures"),
        "error_rate_percent": round(100 * total.get("failures", 0) / requests, 2) if requests else None,
        "by_page": stats["by_page"],
    }
    log(f"  {requests} requests, {result['requests_per_s']} req/s, p95 {result['p95_ms']} ms, "
        f"errors {result['failures']}")
    return result
