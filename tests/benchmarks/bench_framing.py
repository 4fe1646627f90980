"""The measured demonstrations of helpers.framing, printed with the machine's load (a benchmark: it never fails).

    .venv/bin/python tests/benchmarks/bench_framing.py            # full budgets (about 3-5 minutes on 2 busy cores)
    .venv/bin/python tests/benchmarks/bench_framing.py --quick    # smaller budgets, for a sanity check

Scores and fit counts are seeded and reproducible; seconds depend on the machine and its load.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from helpers.framing import automl_demo, rules_demo  # noqa: E402


def main(quick: bool) -> None:
    print("load average (1, 5, 15 min):", " ".join(f"{x:.2f}" for x in os.getloadavg()), "| cpus:", os.cpu_count())
    for contest in rules_demo.contests():
        print(contest.summary())
    for task in ("maintenance", "customer_churn"):
        print(f"\n== AutoML vs hand-tuned on {task} ==")
        data = automl_demo.split(task)
        hands = {name: automl_demo.hand_tuned(name, data) for name in automl_demo.HAND_GRIDS}
        for hand in hands.values():
            print(f"{hand.summary()} [{hand.seconds:.1f} s]")
        n = automl_demo.candidates_within(12.0, len(data[0]))
        same = automl_demo.automl(n, data)
        print(f"same budget (<= 12 full fits): {same.summary()} [{same.seconds:.1f} s]")
        curve = automl_demo.budget_curve((3, 9) if quick else (3, 9, 27, 81), data)
        print(automl_demo.curve_summary(curve))
        print("seconds per budget:", ", ".join(f"{r.candidates}: {r.seconds:.1f}" for r in curve))
    print("\nload average at the end:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    start = time.perf_counter()
    main("--quick" in sys.argv)
    print(f"total {time.perf_counter() - start:.0f} s")
