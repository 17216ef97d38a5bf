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


def measure_exports(*, log=print) -> dict:
    results = {}
    for kind in ("ledger", "bare"):
        results[kind] = _probe(kind)
        log(f"  {kind}: {results[kind]}")
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
