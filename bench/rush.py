"""
The deadline rush: every prepared draft submitted in one burst through the
real pages, against gunicorn (4 sync workers) on PostgreSQL, all on
127.0.0.1.

Each client first signs in through the sign-in page and opens its draft's
"Check your answers" page (GET, which also gives the CSRF token); that
preparation is timed but is not the burst. Then every client posts the
declaration at once, `concurrency` at a time. A submission succeeded when
the answer is the redirect to its receipt. Afterwards the database says
which drafts were really submitted: a success whose application is not
submitted is a lost submission.
"""

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from django.conf import settings

from grants.models import Application, ApplicationStatus

from . import processes
from .datagen import PASSWORD, Generated
from .stats import summary_ms

TIMEOUT = (5, 60)  # connect, read: every request is bounded
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _sign_in(base: str, email: str) -> requests.Session:
    session = requests.Session()
    login = f"{base}/accounts/login/"
    page = session.get(login, timeout=TIMEOUT)
    token = CSRF.search(page.text)
    response = session.post(
        login,
        data={"login": email, "password": PASSWORD,
              "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={"Referer": login}, allow_redirects=False, timeout=TIMEOUT,
    )
    if response.status_code != 302:
        raise RuntimeError(f"sign-in of {email} answered {response.status_code}")
    return session


def _prepare(base: str, email: str, application_id: int) -> dict:
    session = _sign_in(base, email)
    url = f"{base}/applications/{application_id}/submit/"
    started = time.perf_counter()
    page = session.get(url, timeout=TIMEOUT)
    took = time.perf_counter() - started
    token = CSRF.search(page.text)
    if page.status_code != 200 or not token:
        raise RuntimeError(f"check-answers page for {application_id} answered {page.status_code}")
    return {"session": session, "url": url, "token": token.group(1), "get_seconds": took,
            "id": application_id, "name": f"Applicant for {application_id}"}


def _submit(client: dict, start: threading.Event) -> dict:
    start.wait()
    began = time.perf_counter()
    try:
        response = client["session"].post(
            client["url"],
            data={"declaration_name": client["name"], "confirm": "on",
                  "csrfmiddlewaretoken": client["token"]},
            headers={"Referer": client["url"]}, allow_redirects=False, timeout=TIMEOUT,
        )
        ok = response.status_code == 302 and response.headers.get("Location", "").endswith(
            f"/applications/{client['id']}/submitted/"
        )
        outcome = "ok" if ok else f"HTTP {response.status_code}"
    except requests.RequestException as error:
        outcome = type(error).__name__
    return {"id": client["id"], "outcome": outcome, "seconds": time.perf_counter() - began,
            "finished": time.perf_counter()}


def measure_rush(generated: Generated, *, concurrency: int, log=print) -> dict:
    users = generated.rush_users
    # A kept database may hold an earlier rush's submissions: make them
    # drafts again (this is the bench's own database).
    again = (
        Application.objects.filter(pk__in=[pk for _, pk in users])
        .exclude(status=ApplicationStatus.DRAFT)
        .update(status=ApplicationStatus.DRAFT, reference="", submitted_at=None, declaration_name="")
    )
    if again:
        log(f"  {again} drafts submitted by an earlier run made drafts again")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    log_path = os.path.join(settings.BENCH_WORK_DIR, "gunicorn-rush.log")
    result = {"submissions": len(users), "concurrency": concurrency, "gunicorn_workers": 4,
              "settings": "bench.settings (local settings, DEBUG off, staff MFA off)"}
    with processes.gunicorn(base_dir=settings.BASE_DIR, env=env, workers=4,
                            log_path=log_path) as base:
        prepare_errors = []
        clients = []
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(_prepare, base, email, pk) for email, pk in users]
            for future in futures:
                try:
                    clients.append(future.result())
                except Exception as error:  # counted and shown, never hidden
                    prepare_errors.append(str(error)[:200])
        result["prepare_seconds"] = round(time.monotonic() - started, 1)
        result["check_answers_get"] = summary_ms([c["get_seconds"] for c in clients])
        result["prepare_errors"] = len(prepare_errors)
        if prepare_errors:
            log(f"  {len(prepare_errors)} clients could not prepare, e.g. {prepare_errors[0]}")
        log(f"  {len(clients)} clients signed in and on their check-answers page in "
            f"{result['prepare_seconds']}s (GET median {result['check_answers_get']['median_ms']} ms)")

        start = threading.Event()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = [pool.submit(_submit, client, start) for client in clients]
            time.sleep(0.5)
            burst_started = time.perf_counter()
            start.set()
            outcomes = [future.result() for future in futures]
        burst = max((o["finished"] for o in outcomes), default=burst_started) - burst_started

    succeeded = {o["id"] for o in outcomes if o["outcome"] == "ok"}
    failures = [o for o in outcomes if o["outcome"] != "ok"]
    submitted = set(
        Application.objects.filter(pk__in=[pk for _, pk in users])
        .exclude(status=ApplicationStatus.DRAFT)
        .exclude(reference="")
        .values_list("pk", flat=True)
    )
    references = Application.objects.filter(pk__in=submitted).values("reference").distinct().count()
    result.update({
        "succeeded": len(succeeded),
        "errors": len(failures) + len(prepare_errors),
        "error_kinds": sorted({o["outcome"] for o in failures}),
        "submitted_in_database": len(submitted),
        "distinct_references": references,
        "lost": len(succeeded - submitted),
        "burst_seconds": round(burst, 2),
        "throughput_per_s": round(len(succeeded) / burst, 1) if burst else None,
        **summary_ms([o["seconds"] for o in outcomes]),
    })
    log(f"  {len(succeeded)} of {len(outcomes)} submitted in {result['burst_seconds']}s "
        f"({result['throughput_per_s']}/s), p95 {result['p95_ms']} ms, errors {result['errors']}, "
        f"in the database {len(submitted)}, lost {result['lost']}")
    return result
