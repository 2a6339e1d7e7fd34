"""Hint benchmark: what naming the mistake adds to a failed public check.

Run with ``python -m bench.bench_hints``. For every graded function it hands the
public check a catalogued wrong answer and times:

* **project**: ``check_public`` as shipped: the check fails, then the recogniser runs
  the reference and every catalogued variant on the same inputs to name the mistake;
* **baseline**: the same failing check with the function's catalogue emptied, i.e. the
  plain "expected ..., got ..." message.

Both are medians of repeated runs after one warm-up (the warm-up also compiles the
variants, a one-off cost the first failure in a kernel pays; it is reported as
"first"). Prints a Markdown table; ratios are project / baseline (lower is better).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import time
from dataclasses import replace

from tqdm import tqdm


def _time_failing_check(function, name: str, expected, repeats: int) -> tuple[float, float]:
    """First and median wall time of a public check that fails."""
    from autograde.kernel import checks

    times = []
    for _ in range(repeats + 1):
        start = time.perf_counter()
        with contextlib.suppress(checks.CheckFailed), contextlib.redirect_stdout(io.StringIO()):
            checks.check_public(function, name, expected=expected)
        times.append(time.perf_counter() - start)
    return times[0], statistics.median(times[1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per function")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        raise SystemExit("--repeats must be at least 1.")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from autograde.graded import comparison, specs
    from autograde.graded.specs import variant

    rows = []
    for name in tqdm(sorted(specs.GRADED), desc="functions", unit="function"):
        spec = specs.GRADED[name]
        wrong = variant(name, next(m for m in spec.mistakes if m.public))
        expected = comparison.expected_for_notebook(comparison.reference_value(name))
        first, project = _time_failing_check(wrong, name, expected, args.repeats)
        specs.GRADED[name] = replace(spec, mistakes=())
        try:
            _, baseline = _time_failing_check(wrong, name, expected, args.repeats)
        finally:
            specs.GRADED[name] = spec
        rows.append((name, len(spec.mistakes), first, project, baseline))

    print("| function | mistakes | first (ms) | project (ms) | baseline (ms) | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, count, first, project, baseline in rows:
        print(f"| `{name}` | {count} | {1e3 * first:.0f} | {1e3 * project:.1f} | "
              f"{1e3 * baseline:.1f} | {project / baseline:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
