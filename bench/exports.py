"""The award ledger and 360Giving exports of every award, each in its own process."""

import importlib.util
import json
import os
import subprocess
import sys

from django.conf import settings

PROBE_TIMEOUT = 900


def _probe(kind: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.export_probe", kind],
        cwd=settings.BASE_DIR, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
        capture_output=True, text=True, timeout=PROBE_TIMEOUT, check=False,
    )
    if completed.returncode != 0:
        return {"kind": kind, "error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _median_run(runs: list[dict]) -> dict:
    """The run of median time, with every run's seconds and the highest peak memory of them."""
    timed = sorted((run for run in runs if "seconds" in run), key=lambda run: run["seconds"])
    if not timed:
        return runs[-1]
    median = dict(timed[(len(timed) - 1) // 2])
    median["runs_seconds"] = [run["seconds"] for run in runs if "seconds" in run]
    median["peak_rss_mb"] = max(run["peak_rss_mb"] for run in timed)
    return median


def measure_exports(*, log=print, repeat: int = 3) -> dict:
    """
    The ledger and the bare export are run in turn `repeat` times and
    compared by their median times: one run of each is at the mercy of
    whatever else the machine does in those seconds (issue 9 found single
    runs of the same code between 1.0x and 1.5x).
    """
    results = {}
    runs = {"ledger": [], "bare": []}
    for _ in range(repeat):
        for kind in ("ledger", "bare"):
            runs[kind].append(_probe(kind))
            log(f"  {kind}: {runs[kind][-1]}")
    for kind, kind_runs in runs.items():
        results[kind] = _median_run(kind_runs)
    ledger, bare = results["ledger"], results["bare"]
    if "seconds" in ledger and "seconds" in bare and bare["seconds"]:
        results["ledger_ratio"] = round(ledger["seconds"] / bare["seconds"], 2)
    # Where the ledger's time goes: its row query alone, and the summary
    # sheets' totals alone (the rest is writing cells).
    for kind in ("ledger_rows_query", "ledger_summary_queries"):
        results[kind] = _probe(kind)
        log(f"  {kind}: {results[kind].get('seconds')}s")
    if importlib.util.find_spec("payments.threesixtygiving") is None:
        results["threesixtygiving_json"] = {"status": "not built yet"}
        log("  360Giving JSON: not built yet")
    else:
        results["threesixtygiving_json"] = _probe("threesixtygiving_json")
        log(f"  threesixtygiving_json: {results['threesixtygiving_json']}")
    return results
