"""
Every process the bench starts (gunicorn, a Celery worker, locust) is started
here in a process group of its own and stopped here: at the end of its
`with` block, on an exception, on Ctrl-C or SIGTERM, and at exit. Only the
groups started here are ever signalled.
"""

import atexit
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress

_running: dict[int, subprocess.Popen] = {}


def _stop(process: subprocess.Popen, *, grace: float = 15.0) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    _running.pop(process.pid, None)


def stop_all() -> None:
    for process in list(_running.values()):
        _stop(process, grace=5.0)


def _on_signal(signum, frame):
    stop_all()
    raise SystemExit(128 + signum)


atexit.register(stop_all)
signal.signal(signal.SIGTERM, _on_signal)


@contextmanager
def started(command: list[str], *, env: dict, cwd, log_path: str):
    log = open(log_path, "w")  # noqa: SIM115 - closed below, after the process
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    _running[process.pid] = process
    try:
        yield process
    finally:
        _stop(process)
        log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, *, process: subprocess.Popen, timeout: float = 60.0) -> None:
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("The bench only talks to 127.0.0.1.")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - 127.0.0.1 only
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


@contextmanager
def gunicorn(*, base_dir, env: dict, workers: int = 4, log_path: str):
    """gunicorn on 127.0.0.1 with the bench settings; yields its base URL."""
    port = free_port()
    command = [
        os.path.join(os.path.dirname(sys.executable), "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--timeout", "60",
        "--graceful-timeout", "10", "--backlog", "2048", "--log-level", "warning",
    ]
    with started(command, env=env, cwd=base_dir, log_path=log_path) as process:
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/healthz/", process=process)
        yield url
