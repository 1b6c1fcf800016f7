"""numpy baseline for the rejection-sampler bench (`pnpm bench --only sampler`):
draw random fully connected ReLU nets from the prior, evaluate them batched
on S with np.matmul (the net draw and forward pass of numpy_prior.py), and
keep the nets whose sign pattern on S equals the labels. Prints one JSON line
per configuration. Optional: skipped when numpy is missing.

Usage: numpy_sampler.py SECONDS"""
import json
import sys
import time

import numpy as np

from numpy_prior import inputs


def labels(kind, m):
    # The default Boolean target 0011… (label of input i is bit 1 of i) and a fixed pattern elsewhere;
    # with |S| = m nearly every net is rejected either way, so the rate is the evaluation speed.
    return ((np.arange(m) >> 1) & 1).astype(bool)


def run(kind, widths, dtype, batch, seconds, sw=1.0, sb=1.0):
    rng = np.random.default_rng(1)
    X = inputs(kind, rng).astype(dtype)
    XT = X.T.copy()
    y = labels(kind, X.shape[0])
    dims = [X.shape[1], *widths, 1]
    nets = 0
    accepted = 0
    t0 = time.perf_counter()
    while True:
        h = None
        for l in range(len(dims) - 1):
            fan_in, out = dims[l], dims[l + 1]
            W = rng.standard_normal((batch, out, fan_in), dtype=dtype) * dtype(sw / np.sqrt(fan_in))
            b = rng.standard_normal((batch, out, 1), dtype=dtype) * dtype(sb)
            h = (W @ XT if h is None else W @ h) + b
            if l < len(dims) - 2:
                np.maximum(h, 0, out=h)
        fits = ((h[:, 0, :] > 0) == y).all(axis=1)
        accepted += int(fits.sum())
        nets += batch
        if time.perf_counter() - t0 > seconds:
            break
    dt = time.perf_counter() - t0
    return nets / dt


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    configs = [
        ("boolean7", [40, 40], np.float32, 4096),
        ("boolean7", [40, 40], np.float64, 4096),
        ("mnist1000", [128, 128], np.float32, 16),
        ("mnist1000", [128, 128], np.float64, 16),
    ]
    for kind, widths, dtype, batch in configs:
        rate = run(kind, widths, dtype, batch, seconds)
        print(json.dumps({"workload": kind, "widths": widths, "precision": "f32" if dtype == np.float32 else "f64",
                          "netsPerSecond": rate, "numpy": np.__version__}), flush=True)


if __name__ == "__main__":
    main()
