"""
`make bench` / `python -m bench`: build the scale dataset in its own
database, measure, print one table and write bench/results/latest.json.

    python -m bench                      # everything, default sizes
    python -m bench --only pages,exports --keep-db   # reuse the last dataset
    BENCH_APPLICATIONS=5000 python -m bench          # any size, by env or flag

Sizes: --organisations, --applications, ... (see `python -m bench --help`)
or BENCH_ORGANISATIONS, BENCH_APPLICATIONS, ... in the environment.
"""

import argparse
import dataclasses
import json
import os
import sys
import time
from pathlib import Path

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

RESULTS = Path(__file__).resolve().parent / "results"
DATASET_FILE = RESULTS / "dataset.json"
PHASES = ["generate", "pages", "exports", "fanout", "rush", "load"]


def _arguments(argv):
    from .sizes import Sizes

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    for item in dataclasses.fields(Sizes):
        parser.add_argument(f"--{item.name.replace('_', '-')}", type=int, dest=item.name,
                            help=f"default {item.default} (env BENCH_{item.name.upper()})")
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ",".join(PHASES)),
                        help=f"comma-separated phases, of {','.join(PHASES)}")
    parser.add_argument("--keep-db", action="store_true",
                        default=os.environ.get("BENCH_KEEP_DB", "") not in ("", "0"),
                        help="keep the bench database at the end (and reuse it without 'generate')")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 25)),
                        help="requests per page for the timings (default 25)")
    parser.add_argument("--export-repeat", type=int,
                        default=int(os.environ.get("BENCH_EXPORT_REPEAT", 3)),
                        help="runs of the ledger and the bare export each, compared by median (default 3)")
    parser.add_argument("--load-seconds", type=int,
                        default=int(os.environ.get("BENCH_LOAD_SECONDS", 60)))
    parser.add_argument("--load-users", type=int, default=int(os.environ.get("BENCH_LOAD_USERS", 30)))
    parser.add_argument("--rush-concurrency", type=int,
                        default=int(os.environ.get("BENCH_RUSH_CONCURRENCY", 50)))
    return parser.parse_args(argv)


def _commit(base_dir) -> str:
    """The commit measured, marked when the working tree has changes."""
    import subprocess

    def git(*args):
        return subprocess.run(["git", *args], cwd=base_dir, capture_output=True, text=True,
                              timeout=10, check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--untracked-files=no")
    return commit + (" (with uncommitted changes)" if changed else "")


def log(message: str = "") -> None:
    print(message, flush=True)


def main(argv=None) -> int:
    started = time.monotonic()
    args = _arguments(argv)
    phases = [p.strip() for p in args.only.split(",") if p.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown:
        raise SystemExit(f"Unknown phase(s): {', '.join(sorted(unknown))}")

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from . import database, processes
    from .datagen import Generated, analyse, generate
    from .report import Report
    from .sizes import Sizes

    RESULTS.mkdir(exist_ok=True)
    os.makedirs(settings.BENCH_WORK_DIR, exist_ok=True)
    url = settings.BENCH_DATABASE_URL
    report = Report()
    report.meta.update({
        "database": settings.DATABASES["default"]["NAME"],
        "cpus": os.cpu_count(),
        "phases": phases,
        "started_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "commit": _commit(settings.BASE_DIR),
    })
    failed = False

    def phase(name: str) -> None:
        # Other work on the machine skews every timing: say how busy it was.
        load = os.getloadavg()[0]
        report.meta.setdefault("load_average", {})[name] = round(load, 2)
        if load > (os.cpu_count() or 1):
            log(f"  (note: load average {load:.1f} on {os.cpu_count()} CPUs: other work is "
                "running and slows these figures)")

    try:
        if "generate" in phases:
            phase("generate")
            sizes = Sizes.from_env(**{k: v for k, v in vars(args).items()
                                      if k in {f.name for f in dataclasses.fields(Sizes)}})
            sizes.check()
            log(f"Creating database {database.recreate(url)} and migrating it")
            t = time.monotonic()
            call_command("migrate", interactive=False, verbosity=0)
            migrate_seconds = time.monotonic() - t
            log(f"  migrated in {migrate_seconds:.1f}s")
            log(f"Generating the dataset: {dataclasses.asdict(sizes)}")
            generated = generate(sizes, log=log)
            analyse_seconds = analyse(log=log)
            log(f"  dataset generated in {generated.seconds:.1f}s "
                f"(+ {analyse_seconds:.1f}s VACUUM ANALYZE): {generated.counts}")
            DATASET_FILE.write_text(json.dumps(dataclasses.asdict(generated), default=str))
            report.generation(generated, migrate_seconds=migrate_seconds,
                              analyse_seconds=analyse_seconds)
        else:
            if not database.exists(url) or not DATASET_FILE.exists():
                raise SystemExit("No bench dataset: run with the 'generate' phase first.")
            data = json.loads(DATASET_FILE.read_text())
            data["sizes"] = Sizes(**data["sizes"])
            generated = Generated(**data)
            log(f"Reusing the dataset in {settings.DATABASES['default']['NAME']}")
        report.dataset(generated)

        if "pages" in phases:
            phase("pages")
            from .pages import measure_pages

            log(f"Pages (test client, {args.repeat} requests each):")
            report.pages(measure_pages(generated, repeat=args.repeat, budget=40.0, log=log))
        if "exports" in phases:
            phase("exports")
            from .exports import measure_exports

            log("Exports of every award:")
            report.exports(measure_exports(log=log, repeat=args.export_repeat))
        if "fanout" in phases:
            phase("fanout")
            from .fanout import measure_fanout

            log("Monitoring reminder fan-out through a Celery worker:")
            report.fanout(measure_fanout(generated, log=log))
        if "rush" in phases:
            phase("rush")
            from .rush import measure_rush

            log("Deadline rush against gunicorn (4 workers):")
            report.rush(measure_rush(generated, concurrency=args.rush_concurrency, log=log))
        if "load" in phases:
            phase("load")
            from .load import measure_load

            log(f"Mixed load (locust, {args.load_seconds}s, {args.load_users} users):")
            report.load(measure_load(generated, seconds=args.load_seconds, users=args.load_users,
                                     log=log))
    except BaseException as error:
        failed = True
        report.meta["error"] = f"{type(error).__name__}: {error}"
        log(f"The bench stopped: {report.meta['error']}")
        if not isinstance(error, Exception):
            raise
        import traceback

        traceback.print_exc()
    finally:
        processes.stop_all()
        connections.close_all()
        if not args.keep_db:
            database.drop(url)
            log(f"Dropped database {settings.DATABASES['default']['NAME']}")
        report.meta["total_seconds"] = round(time.monotonic() - started, 1)
        path = RESULTS / "latest.json"
        report.write(path)
        log()
        log(report.table())
        log(f"\nTotal run time {report.meta['total_seconds']:.0f}s. Figures written to {path}; "
            f"process logs in {settings.BENCH_WORK_DIR}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
