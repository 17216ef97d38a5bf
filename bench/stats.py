"""Small statistics for timings, in milliseconds."""

import math
import statistics


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95 for p95)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "samples": len(ms),
        "median_ms": round(statistics.median(ms), 1) if ms else None,
        "p95_ms": round(percentile(ms, 0.95), 1) if ms else None,
    }
