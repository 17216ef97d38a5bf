"""How much data the bench makes: defaults, environment and command line."""

import os
from dataclasses import dataclass, fields


@dataclass
class Sizes:
    """How much to make; each can be set by BENCH_<NAME> or on the command line."""

    organisations: int = 10_000
    applications: int = 50_000
    rounds: int = 20
    assessments: int = 3
    awards: int = 25_000
    payments: int = 60_000
    monitoring_returns: int = 30_000
    reminders: int = 10_000
    rush_drafts: int = 500
    assessors: int = 60
    officers: int = 10

    @classmethod
    def from_env(cls, **overrides) -> "Sizes":
        values = {}
        for item in fields(cls):
            raw = overrides.get(item.name)
            if raw is None:
                raw = os.environ.get(f"BENCH_{item.name.upper()}")
            if raw is not None:
                values[item.name] = int(raw)
        return cls(**values)

    def check(self) -> None:
        if self.rounds < 3:
            raise ValueError("At least 3 rounds: past, in assessment and open.")
        per_round = self.applications // self.rounds
        if per_round > self.organisations:
            raise ValueError("More applications per round than organisations.")
        if self.rush_drafts > per_round:
            raise ValueError("More rush drafts than applications in the open round.")
        if self.assessments > self.assessors:
            raise ValueError("More assessments per application than assessors.")
