"""
One export in a process of its own, so that its peak memory is its own:
`python -m bench.export_probe ledger|bare|threesixtygiving_json`. Prints one
line of JSON: seconds, rows, bytes written, resident memory before the
export and its peak during it (Linux's VmHWM, reset just before starting).
"""

import json
import os
import sys
import tempfile
import time


def _status_kb(key: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+).
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def ledger(output) -> int:
    from payments.exports import write_award_ledger

    count = write_award_ledger(output)
    return count if isinstance(count, int) else -1


def bare(output) -> int:
    """The same rows fetched the same way, written with bare openpyxl write-only."""
    from django.db import transaction
    from openpyxl import Workbook

    from payments.selectors import award_ledger_rows

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Award ledger")
    count = 0
    with transaction.atomic():
        for row in award_ledger_rows().iterator(chunk_size=2000):
            if count == 0:
                sheet.append(list(row.keys()))
            sheet.append(list(row.values()))
            count += 1
    workbook.save(output)
    return count


def threesixtygiving_json(output) -> int:
    from payments import threesixtygiving

    count = threesixtygiving.write_json(output)
    return count if isinstance(count, int) else -1


def ledger_rows_query(output) -> int:
    """Only the ledger's row query, read to the end: where the ledger's time goes."""
    from django.db import transaction

    from payments.selectors import award_ledger_rows

    with transaction.atomic():
        return sum(1 for _ in award_ledger_rows().iterator(chunk_size=2000))


def ledger_summary_queries(output) -> int:
    """Only the totals the ledger's summary sheets read (the finance summary's own)."""
    from payments import selectors

    totals = selectors.award_totals()
    totals.by_programme_and_round()
    selectors.breakdowns(totals=totals)
    return 0


KINDS = {
    "ledger": ledger, "bare": bare, "threesixtygiving_json": threesixtygiving_json,
    "ledger_rows_query": ledger_rows_query, "ledger_summary_queries": ledger_summary_queries,
}


def main() -> None:
    kind = sys.argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection

    connection.ensure_connection()
    with tempfile.TemporaryFile() as output:
        rss_before = _status_kb("VmRSS")
        _reset_peak()
        started = time.perf_counter()
        rows = KINDS[kind](output)
        seconds = time.perf_counter() - started
        peak = _status_kb("VmHWM")
        size = output.tell()
    print(json.dumps({
        "kind": kind, "seconds": round(seconds, 2), "rows": rows, "bytes": size,
        "rss_before_mb": round(rss_before / 1024, 1), "peak_rss_mb": round(peak / 1024, 1),
        "peak_increase_mb": round((peak - rss_before) / 1024, 1),
    }))


if __name__ == "__main__":
    main()
