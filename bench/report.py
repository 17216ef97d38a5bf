"""The one table `make bench` prints, its targets, and bench/results/latest.json."""

import json
import re
from dataclasses import asdict

# Targets from issue 9.
MAX_QUERIES = 15
MAX_RATIO = 3.0
MAX_MEDIAN_MS = 250.0
MAX_LEDGER_RATIO = 1.3
MAX_LEDGER_MB = 200.0
MAX_GENERATION_SECONDS = 300.0


def _shape(sql: str) -> str:
    """A short name for a query: its main table, joins and subqueries."""
    match = re.search(r'FROM "(\w+)"', sql)
    if not match:
        return sql[:40]
    joins = sql.count(" JOIN ")
    subqueries = sql.count("(SELECT")
    return f"FROM {match.group(1)}" + (f" +{joins} joins" if joins else "") + (
        f" +{subqueries} subqueries" if subqueries else "")


def _mark(ok) -> str:
    if ok is None:
        return "-"
    return "pass" if ok else "FAIL"


class Report:
    def __init__(self):
        self.meta: dict = {}
        self.data: dict = {}
        self.targets: list[dict] = []

    # --- Sections --------------------------------------------------------------

    def generation(self, generated, *, migrate_seconds: float, analyse_seconds: float) -> None:
        self.data["generation"] = {
            "sizes": asdict(generated.sizes),
            "rows": generated.counts,
            "migrate_seconds": round(migrate_seconds, 1),
            "generate_seconds": round(generated.seconds, 1),
            "vacuum_analyze_seconds": round(analyse_seconds, 1),
        }
        self._target("Dataset generated (COPY) in under 5 minutes", generated.seconds,
                     f"< {MAX_GENERATION_SECONDS:.0f} s", generated.seconds < MAX_GENERATION_SECONDS,
                     unit="s")

    def dataset(self, generated) -> None:
        self.data.setdefault("generation", {}).setdefault("rows", generated.counts)

    def pages(self, results: list[dict]) -> None:
        self.data["pages"] = results
        findings = []
        for page in results:
            findings += page.get("explain", [])
            if page.get("status") != "measured":
                if page["main"]:
                    self._target(f"{page['title']}", None, "exists", None, note=page["status"])
                continue
            name = page["title"] + ("" if page["main"] else " (extra)")
            self._target(f"{name}: queries", page["queries"], f"<= {MAX_QUERIES}",
                         page["queries"] <= MAX_QUERIES)
            self._target(f"{name}: median", page["median_ms"], f"<= {MAX_MEDIAN_MS:.0f} ms",
                         page["median_ms"] <= MAX_MEDIAN_MS, unit="ms")
            ratio = page.get("ratio")
            self._target(f"{name}: median / baseline", ratio, f"<= {MAX_RATIO:.0f}x",
                         ratio is not None and ratio <= MAX_RATIO, unit="x")
        self.data["explain"] = findings
        missing = [f for f in findings if f.get("needs_index")]
        self._target("Indexes for the pages' filters and sorts (EXPLAIN)", len(missing),
                     "0 seq scans needing an index", not missing)

    def exports(self, results: dict) -> None:
        self.data["exports"] = results
        ledger = results.get("ledger", {})
        ratio = results.get("ledger_ratio")
        self._target("Award ledger export / bare openpyxl", ratio, f"<= {MAX_LEDGER_RATIO}x",
                     ratio is not None and ratio <= MAX_LEDGER_RATIO, unit="x")
        peak = ledger.get("peak_rss_mb")
        self._target("Award ledger export peak memory (process RSS)", peak,
                     f"< {MAX_LEDGER_MB:.0f} MB", peak is not None and peak < MAX_LEDGER_MB,
                     unit="MB")

    def fanout(self, results: dict) -> None:
        self.data["fanout"] = results
        duplicates = results.get("duplicates")
        self._target("Reminder fan-out: duplicates after 2 more runs", duplicates, "0",
                     duplicates == 0)
        unsent = results.get("unsent")
        self._target("Reminder fan-out: reminders not sent", unsent, "0", unsent == 0)

    def rush(self, results: dict) -> None:
        self.data["rush"] = results
        self._target("Deadline rush: submissions lost", results.get("lost"), "0",
                     results.get("lost") == 0)
        self._target("Deadline rush: errors", results.get("errors"), "0",
                     results.get("errors") == 0)

    def load(self, results: dict) -> None:
        self.data["load"] = results
        errors = results.get("failures")
        self._target("Mixed load: errors", errors, "0", errors == 0)

    def _target(self, what, value, target, ok, *, unit="", note=""):
        self.targets.append({"what": what, "value": value, "unit": unit, "target": target,
                             "result": _mark(ok), "note": note})

    # --- Output ------------------------------------------------------------------

    def write(self, path) -> None:
        path.write_text(json.dumps(
            {"meta": self.meta, "targets": self.targets, **self.data}, indent=2, default=str
        ))

    def table(self) -> str:
        lines = []
        if self.meta.get("commit"):
            lines.append(f"COMMIT   {self.meta['commit']}, database {self.meta.get('database')}")
        loads = self.meta.get("load_average")
        if loads:
            lines.append("LOAD AVG " + ", ".join(f"{k} {v}" for k, v in loads.items())
                         + f" (1-minute, {self.meta.get('cpus')} CPUs; above that, other work "
                         "competed for the CPUs)")
        generation = self.data.get("generation", {})
        if generation.get("rows"):
            lines.append("DATASET  " + ", ".join(f"{k} {v:,}" for k, v in generation["rows"].items()))
        if "generate_seconds" in generation:
            lines.append(
                f"         migrate {generation['migrate_seconds']}s, generate "
                f"{generation['generate_seconds']}s, VACUUM ANALYZE "
                f"{generation['vacuum_analyze_seconds']}s"
            )
        pages = self.data.get("pages")
        if pages:
            lines.append("")
            lines.append(f"{'PAGE':44} {'median':>8} {'p95':>8} {'queries':>7} {'SQL ms':>8} "
                         f"{'base med':>8} {'base q':>6} {'ratio':>6}  slowest query")
            for page in pages:
                title = page["title"] + ("" if page["main"] else " *")
                if page.get("status") != "measured":
                    lines.append(f"{title:44} {page['status']}")
                    continue
                base = page["baseline"]
                slowest = page.get("slowest_query") or {"ms": 0, "sql": ""}
                lines.append(
                    f"{title:44} {page['median_ms']:>6.1f}ms {page['p95_ms']:>6.1f}ms "
                    f"{page['queries']:>7} {page['sql_ms']:>6.1f}ms {base['median_ms']:>6.1f}ms "
                    f"{base['queries']:>6} {page.get('ratio', 0):>5.1f}x  {slowest['ms']:.0f}ms "
                    f"{_shape(slowest['sql'])}"
                )
            lines.append("  * a further list page, not one of the issue's main pages")
        explain = self.data.get("explain")
        if explain is not None:
            lines.append("")
            needing = [f for f in explain if f.get("needs_index")]
            other = [f for f in explain if not f.get("needs_index") and "table" in f]
            lines.append(f"EXPLAIN  {len(needing)} sequential scan(s) that an index could avoid, "
                         f"{len(other)} that read most of a large table:")
            for finding in needing:
                lines.append(
                    f"  {finding['page']:32} Seq Scan on {finding['table']} "
                    f"({finding['table_rows']:,} rows, plan {finding['plan_rows']:,}): "
                    f"{finding['verdict']}" + (f"; filter {finding['filter'][:80]}"
                                               if finding.get("filter") else "")
                )
            by_table = {}
            for finding in other:
                by_table.setdefault(finding["table"], set()).add(finding["page"].split("?")[0])
            for table, pages in sorted(by_table.items()):
                lines.append(f"  (aggregate/join) {table}: {', '.join(sorted(pages))}")
        exports = self.data.get("exports")
        if exports:
            lines.append("")
            for kind, label in [("ledger", "Award ledger (openpyxl write-only, all awards)"),
                                ("bare", "Bare openpyxl write-only, same rows"),
                                ("threesixtygiving_json", "360Giving JSON, all awards")]:
                item = exports.get(kind, {})
                if "seconds" in item:
                    lines.append(f"{label:48} {item['seconds']:>6.1f}s  peak RSS "
                                 f"{item['peak_rss_mb']:.0f} MB (+{item['peak_increase_mb']:.0f} MB"
                                 f" during export), {item['rows']:,} rows, "
                                 f"{item['bytes'] / 1e6:.1f} MB file")
                    if len(item.get("runs_seconds", [])) > 1:
                        runs = ", ".join(f"{seconds:.1f}" for seconds in item["runs_seconds"])
                        lines.append(f"{'  median of runs of':48} {runs} s")
                else:
                    lines.append(f"{label:48} {item.get('status') or item.get('error')}")
            if "ledger_ratio" in exports:
                lines.append(f"{'Ledger / bare':48} {exports['ledger_ratio']:.2f}x")
            rows_query = exports.get("ledger_rows_query", {}).get("seconds")
            summary = exports.get("ledger_summary_queries", {}).get("seconds")
            if rows_query is not None and summary is not None:
                lines.append(f"{'  of which: the rows query alone':48} {rows_query:>6.1f}s")
                lines.append(f"{'  of which: summary sheets totals alone':48} {summary:>6.1f}s")
        fanout = self.data.get("fanout")
        if fanout:
            lines.append("")
            lines.append(
                f"FAN-OUT  {fanout.get('expected')} reminders due: job {fanout.get('job_state')}, "
                f"all stored in "
                f"{fanout.get('created_seconds')}s, all sent in {fanout.get('sent_seconds')}s "
                f"({fanout.get('per_second')}/s) by {fanout.get('worker_concurrency')} worker "
                f"processes; 2 more runs at once ({fanout.get('rerun_states')}, "
                f"{fanout.get('rerun_seconds')}s) created "
                f"{fanout.get('rerun_created')}, duplicates "
                f"{fanout.get('duplicates')}, emails {fanout.get('emails')}"
            )
        rush = self.data.get("rush")
        if rush:
            lines.append("")
            lines.append(
                f"RUSH     {rush.get('submissions')} submissions, {rush.get('concurrency')} at once: "
                f"{rush.get('throughput_per_s')}/s, POST median {rush.get('median_ms')} ms, p95 "
                f"{rush.get('p95_ms')} ms, errors {rush.get('errors')}, lost {rush.get('lost')}, "
                f"{rush.get('distinct_references')} distinct references (burst "
                f"{rush.get('burst_seconds')}s; check-answers GET median "
                f"{(rush.get('check_answers_get') or {}).get('median_ms')} ms)"
            )
        load = self.data.get("load")
        if load:
            lines.append("")
            lines.append(
                f"LOAD     {load.get('users')} users for {load.get('seconds')}s: "
                f"{load.get('requests_per_s')} req/s, p95 {load.get('p95_ms')} ms, median "
                f"{load.get('median_ms')} ms, {load.get('requests')} requests, errors "
                f"{load.get('failures')} ({load.get('error_rate_percent')}%)"
            )
            for name, item in (load.get("by_page") or {}).items():
                lines.append(f"         {name:40} {item['requests']:>6} req  median "
                             f"{item['median_ms']:>6} ms  p95 {item['p95_ms']:>6} ms  "
                             f"failures {item['failures']}")
        lines.append("")
        lines.append(f"{'TARGET':62} {'value':>12} {'target':>28}  result")
        for target in self.targets:
            value = target["value"]
            shown = "-" if value is None else (
                f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
            ) + (f" {target['unit']}" if target["unit"] and value is not None else "")
            note = f"  ({target['note']})" if target["note"] else ""
            lines.append(f"{target['what'][:62]:62} {shown:>12} {target['target']:>28}  "
                         f"{target['result']}{note}")
        if self.meta.get("error"):
            lines.append(f"\nThe bench stopped early: {self.meta['error']}")
        return "\n".join(lines)
