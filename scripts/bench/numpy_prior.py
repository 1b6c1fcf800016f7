"""numpy baseline for `pnpm bench`: sample random fully connected ReLU nets
from the prior (W ~ N(0, sw^2/fan_in), b ~ N(0, sb^2)) and evaluate them on
the inputs, batched over nets with np.matmul — the straightforward fast numpy
way. Prints one JSON line per configuration. Optional: the project never
needs python; the bench skips this when numpy is missing."""
import json
import sys
import time

import numpy as np


def inputs(kind, rng):
    if kind == "boolean7":
        n = 7
        return ((np.arange(2**n)[:, None] >> np.arange(n - 1, -1, -1)) & 1).astype(np.float64)
    if kind == "mnist1000":
        return rng.random((1000, 784))
    raise SystemExit(f"unknown inputs {kind}")


def run(kind, widths, dtype, batch, seconds, sw=1.0, sb=1.0):
    rng = np.random.default_rng(1)
    X = inputs(kind, rng).astype(dtype)
    XT = X.T.copy()  # d x m
    dims = [X.shape[1], *widths, 1]
    nets = 0
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
        bits = h[:, 0, :] > 0
        np.packbits(bits, axis=1)
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
