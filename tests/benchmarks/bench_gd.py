"""How close is one epoch of full-batch gradient descent to the physical floor?

Run: ``python tests/benchmarks/bench_gd.py [--rows 2000000] [--cols 32] [--repeats 7]``
(prints figures; it asserts nothing and pytest does not collect it).

For data much larger than the CPU caches, the linear model's epoch is limited by memory bandwidth,
not arithmetic: each element of X is used for 2 multiply-adds and must come from RAM. The floor is the
time to read X once (the faster of ``X.sum()`` and ``X @ w``: one streaming pass each). The reference epoch
(:func:`helpers.gd.gradient_descent`) does two matrix-vector products, ``X @ w`` then ``X.T @ r``, so it
reads X twice: ~2x the floor is the best that formulation can do. A blocked variant, which computes
both products block by block while the block is still in cache, reads X from RAM once; it is shown for
comparison. A mini-batch epoch also gathers every row once in a random order (a random-access read
of X, much slower than a streaming one), so expect it to cost several times the floor.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from helpers import gd


def best_time(function, repeats: int) -> float:
    """The fastest of ``repeats`` runs after one warm-up (the least disturbed by other processes)."""
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def blocked_gradient(X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float, rows: int = 4096):
    """The same gradient as ``2/n X.T @ (X @ w + b - y)``, one cache-sized block of rows at a time."""
    grad_w, grad_b = np.zeros(X.shape[1]), 0.0
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        residual = block @ w
        residual += b - y[start : start + rows]
        grad_w += block.T @ residual
        grad_b += residual.sum()
    scale = 2.0 / X.shape[0]
    return scale * grad_w, scale * grad_b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--cols", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.rows, args.cols))
    y = X @ rng.standard_normal(args.cols) + rng.standard_normal(args.rows)
    w, b = np.zeros(args.cols), 0.0
    gigabytes = X.nbytes / 1e9
    rate = 0.5 * gd.stable_learning_rate(X[:100_000])

    print(f"X: {args.rows:,} x {args.cols} float64 = {gigabytes:.2f} GB  |  {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")

    # The floor: the fastest single streaming pass over X we can find (numpy's sum and BLAS's gemv).
    summed = best_time(lambda: X.sum(), args.repeats)
    one_product = best_time(lambda: X @ w, args.repeats)
    floor = min(summed, one_product)
    print(f"read X once: X.sum()                   {1e3 * summed:8.1f} ms   {gigabytes / summed:6.1f} GB/s   "
          f"{summed / floor:4.2f}x")
    print(f"read X once: X @ w                     {1e3 * one_product:8.1f} ms   {gigabytes / one_product:6.1f} GB/s   "
          f"{one_product / floor:4.2f}x")
    print(f"  -> the floor (fastest single pass)   {1e3 * floor:8.1f} ms")

    two_products = best_time(lambda: X.T @ (X @ w + b - y), args.repeats)
    print(f"X @ w then X.T @ r (two passes)        {1e3 * two_products:8.1f} ms   {2 * gigabytes / two_products:6.1f} GB/s"
          f"   {two_products / floor:4.2f}x")

    # One epoch of the reference implementation: time 1 + k epochs and 1 epoch, take the difference,
    # which removes the one-off input checks (they read X once too) and the first loss.
    k = 10

    def run(epochs: int):
        gd.gradient_descent(X, y, learning_rate=rate, epochs=epochs)

    epoch = (best_time(lambda: run(1 + k), max(2, args.repeats // 2)) - best_time(lambda: run(1), max(2, args.repeats // 2))) / k
    print(f"gd.gradient_descent, one batch epoch   {1e3 * epoch:8.1f} ms   {2 * gigabytes / epoch:6.1f} GB/s   {epoch / floor:4.2f}x")

    setup = best_time(lambda: run(0), max(2, args.repeats // 2))
    print(f"  its one-off checks + first loss      {1e3 * setup:8.1f} ms                  {setup / floor:4.2f}x")

    blocked = best_time(lambda: blocked_gradient(X, y, w, b), args.repeats)
    print(f"blocked gradient (X from RAM once)     {1e3 * blocked:8.1f} ms   {gigabytes / blocked:6.1f} GB/s   {blocked / floor:4.2f}x")
    reference = gd.gradient(X, y, w, b)
    assert np.allclose(blocked_gradient(X, y, w, b)[0], reference[0]), "the blocked gradient must equal the reference"

    mini = best_time(lambda: gd.gradient_descent(X, y, learning_rate=rate / 10, epochs=1, batch_size=4096), 2)
    print(f"mini-batch (4096) epoch, rows gathered {1e3 * mini:8.1f} ms                  {mini / floor:4.2f}x")

    print(
        "\nReading: the batch epoch should sit near 2x the floor (X is read twice); much more means the\n"
        "implementation copies X or loops in Python. The blocked variant shows what fusing the two\n"
        "products could gain at most; the mini-batch epoch pays for reading X in a random order."
    )


if __name__ == "__main__":
    main()
