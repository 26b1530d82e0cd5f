"""Several benchmark runs -> one results dict: the median of every figure, the highest peak memory, the sum of
errors; each run's target figures kept beside it, so the report can show the spread."""
from __future__ import annotations

import statistics
from typing import Any

from .report import SPEED, TARGETS


def combine_runs(runs: list[dict]) -> dict:
    """The combined results, with "runs": each run's figures for the report's targets and the machine's speed at
    its largest size."""
    combined = _combine(runs, key="")
    combined["runs"] = [{"started": r.get("started"),
                         **{what: get(r, r["sizes"][-1]) if r["sizes"] else None
                            for what, get, *_ in (*TARGETS, *SPEED)},
                         "other processes, cores": r.get("cpu", {}).get("other_cores")} for r in runs]
    return combined


def _combine(values: list[Any], key: str) -> Any:
    first = values[0]
    if isinstance(first, dict):
        return {k: _combine([v[k] for v in values if isinstance(v, dict) and k in v], k) for k in first}
    if isinstance(first, list):
        if "errors" in key:  # every run's error messages, not one run's
            return [e for v in values if isinstance(v, list) for e in v]
        if all(isinstance(v, list) and len(v) == len(first) for v in values):
            return [_combine([v[i] for v in values], key) for i in range(len(first))]
        return first
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and v == v]
    if not isinstance(first, (int, float)) or isinstance(first, bool) or not numbers:
        return first
    if "errors" in key:
        return sum(numbers)
    if "rss" in key or "peak" in key:
        return max(numbers)
    middle = statistics.median(numbers)
    return type(first)(middle) if isinstance(first, int) and middle == int(middle) else middle
