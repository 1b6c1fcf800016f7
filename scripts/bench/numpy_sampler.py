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


def run(kind, widths, dtype, batch, seconds, sw=1.0, sb=1.0, screen=None):
    rng = np.random.default_rng(1)
    if kind == "boolean7-S32":  # the Boolean system: 32 of the 128 inputs are S
        X = inputs("boolean7", rng)[rng.choice(128, 32, replace=False)].astype(dtype)
    else:
        X = inputs(kind, rng).astype(dtype)
    y = labels(kind, X.shape[0])
    # Screening (as the fsbayes engine does for large S): evaluate on `screen` points, half of each
    # label spread evenly within the label, and only the nets that fit them on all of S.
    if screen is None:
        pick = np.arange(X.shape[0])
    else:
        idx = [np.flatnonzero(y == l) for l in (False, True)]
        want1 = min(len(idx[1]), max(-(-screen // 2), screen - len(idx[0])))
        take = [screen - want1, want1]
        pick = np.sort(np.concatenate([i[(np.arange(t) * len(i)) // t] for i, t in zip(idx, take)]))
    XT = X[pick].T.copy()
    XT_all = X.T.copy()
    ys = y[pick]
    dims = [X.shape[1], *widths, 1]
    nets = 0
    accepted = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    while True:
        h = None
        params = []
        for l in range(len(dims) - 1):
            fan_in, out = dims[l], dims[l + 1]
            W = rng.standard_normal((batch, out, fan_in), dtype=dtype) * dtype(sw / np.sqrt(fan_in))
            b = rng.standard_normal((batch, out, 1), dtype=dtype) * dtype(sb)
            params.append((W, b))
            h = (W @ XT if h is None else W @ h) + b
            if l < len(dims) - 2:
                np.maximum(h, 0, out=h)
        fits = ((h[:, 0, :] > 0) == ys).all(axis=1)
        if screen is not None and fits.any():
            h = XT_all
            for l, (W, b) in enumerate(params):
                h = W[fits] @ h + b[fits]
                if l < len(params) - 1:
                    np.maximum(h, 0, out=h)
            fits = ((h[:, 0, :] > 0) == y).all(axis=1)
        accepted += int(fits.sum())
        nets += batch
        if time.perf_counter() - t0 > seconds:
            break
    dt = time.perf_counter() - t0
    # CPU seconds of every thread of the process (OpenBLAS's too): robust to other load on a shared machine.
    cpu = time.process_time() - c0
    return nets / dt, nets / cpu


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    configs = [
        ("boolean7", [40, 40], np.float32, 4096),
        ("boolean7", [40, 40], np.float64, 4096),
        ("boolean7-S32", [40, 40], np.float32, 4096),
        ("boolean7-S32", [40, 40], np.float64, 4096),
        ("mnist1000", [128, 128], np.float32, 16),
        ("mnist1000", [128, 128], np.float64, 16),
    ]
    for kind, widths, dtype, batch in configs:
        for screen in [None, 32] if kind == "mnist1000" else [None]:
            rate, per_cpu = run(kind, widths, dtype, batch, seconds, screen=screen)
            print(json.dumps({"workload": kind, "widths": widths, "precision": "f32" if dtype == np.float32 else "f64",
                              "screen": screen, "netsPerSecond": rate, "netsPerCpuSecond": per_cpu,
                              "numpy": np.__version__}), flush=True)


if __name__ == "__main__":
    main()
