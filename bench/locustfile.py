"""
Mixed load for `make bench`: applicants, assessors and grant officers using
the service at once. Run by bench/load.py, headless, for a fixed time,
against gunicorn on 127.0.0.1 only. Each simulated person signs in through
the sign-in page once, then loops over pages of their role with a pause
between requests; every request has a timeout.

BENCH_LOCUST_PLAN names a JSON file with the accounts and pages of each
role (written by bench/load.py from the generated data).
"""

import itertools
import json
import os
import random
import re
from urllib.parse import urlparse

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["BENCH_LOCUST_PLAN"]).read())  # noqa: SIM115
TIMEOUT = (5, 30)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WAIT = (float(os.environ.get("BENCH_WAIT_MIN", 0.5)), float(os.environ.get("BENCH_WAIT_MAX", 2.0)))
_accounts = {role: itertools.cycle(PLAN[role]) for role in ("applicants", "assessors", "officers")}


@events.test_start.add_listener
def _only_loopback(environment, **kwargs):
    host = urlparse(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit("The bench's load test only targets 127.0.0.1.")


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(*WAIT)

    def on_start(self):
        self.email, self.pages = next(_accounts[self.role])
        page = self.client.get("/accounts/login/", name="sign in (GET)", timeout=TIMEOUT)
        token = CSRF.search(page.text)
        with self.client.post(
            "/accounts/login/", name="sign in (POST)", allow_redirects=False, timeout=TIMEOUT,
            data={"login": self.email, "password": PLAN["password"],
                  "csrfmiddlewaretoken": token.group(1) if token else ""},
            headers={"Referer": f"{self.host}/accounts/login/"}, catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")

    def visit(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, timeout=TIMEOUT, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class Applicant(Person):
    role = "applicants"
    weight = 6

    @task(3)
    def dashboard(self):
        self.visit("/applications/", "applicant: dashboard")

    @task(2)
    def application(self):
        if self.pages:
            self.visit(random.choice(self.pages), "applicant: application")

    @task(1)
    def rounds(self):
        self.visit("/rounds/", "applicant: open rounds")


class Assessor(Person):
    role = "assessors"
    weight = 2

    @task(1)
    def queue(self):
        self.visit("/assess/", "assessor: queue")

    @task(3)
    def score(self):
        if self.pages:
            self.visit(random.choice(self.pages), "assessor: scoring page")


class Officer(Person):
    role = "officers"
    weight = 2

    @task(1)
    def home(self):
        self.visit("/staff/", "officer: rounds")

    @task(3)
    def round_list(self):
        self.visit(random.choice(PLAN["round_pages"]), "officer: round applications")

    @task(2)
    def application(self):
        self.visit(random.choice(PLAN["officer_applications"]), "officer: application")
