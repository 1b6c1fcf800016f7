"""numpy baseline for `pnpm bench` (sgd): train B fully connected ReLU nets
in lockstep, batched over nets with np.matmul, each with its own prior draw
(W ~ N(0, sw^2/fan_in), b ~ N(0, sb^2)) and its own minibatch order
(reshuffled every epoch), plain SGD on binary cross-entropy of one logit,
until every net classifies all of S correctly (checked at the end of each
epoch); fitted nets drop out of the batch. The same hyperparameters as
`fsbayes sgd`. Optional: the bench skips it when numpy is missing.

usage: numpy_sgd.py S.bin d m widths(comma) lr batch runs max_epochs dtype sigma_w sigma_b
S.bin holds m*d float64 inputs then m float64 labels (0/1).
Prints one JSON line: runs, fitted, epochs (sum over fitted), seconds (wall) and cpuSeconds."""
import json
import sys
import time

import numpy as np


def main():
    path, d, m, widths, lr, batch, runs, max_epochs, dtype, sw, sb = sys.argv[1:12]
    sw, sb = float(sw), float(sb)
    d, m, batch, runs, max_epochs = int(d), int(m), int(batch), int(runs), int(max_epochs)
    lr = float(lr)
    dt = np.float32 if dtype == "f32" else np.float64
    raw = np.fromfile(path, dtype=np.float64)
    X = raw[: m * d].reshape(m, d).astype(dt)
    y = raw[m * d : m * d + m].astype(dt)
    dims = [d, *[int(w) for w in widths.split(",") if w], 1]
    L = len(dims) - 1
    rng = np.random.default_rng(1)
    t0 = time.perf_counter()
    c0 = time.process_time()
    # weights stored transposed, [B, in, out], so the big products are plain batched BLAS calls
    W = [(rng.standard_normal((runs, dims[l], dims[l + 1])) * (sw / np.sqrt(dims[l]))).astype(dt) for l in range(L)]
    b = [(rng.standard_normal((runs, dims[l + 1])) * sb).astype(dt) for l in range(L)]
    alive = np.arange(runs)
    epochs = np.zeros(runs, dtype=np.int64)
    fitted = np.zeros(runs, dtype=bool)
    for epoch in range(1, max_epochs + 1):
        B = len(alive)
        if B == 0:
            break
        order = np.argsort(rng.random((B, m)), axis=1)  # each net its own shuffle
        for start in range(0, m, batch):
            idx = order[:, start : start + batch]  # [B, n]
            n = idx.shape[1]
            a = [X[idx]]  # [B, n, d]
            z = []
            for l in range(L):
                zl = np.matmul(a[-1], W[l]) + b[l][:, None, :]
                z.append(zl)
                if l < L - 1:
                    a.append(np.maximum(zl, 0))
            out = z[-1][:, :, 0]
            sig = 1 / (1 + np.exp(-out))
            delta = ((sig - y[idx]) / n)[:, :, None]  # [B, n, 1]
            for l in range(L - 1, -1, -1):
                gW = np.matmul(delta.transpose(0, 2, 1), a[l])  # [B, out, in]
                gb = delta.sum(axis=1)
                if l > 0:
                    delta = np.matmul(delta, W[l].transpose(0, 2, 1)) * (z[l - 1] > 0)
                W[l] -= lr * gW.transpose(0, 2, 1)
                b[l] -= lr * gb
        # fit check on all of S
        h = np.broadcast_to(X, (B, m, d))
        for l in range(L):
            h = np.matmul(h, W[l]) + b[l][:, None, :]
            if l < L - 1:
                h = np.maximum(h, 0)
        ok = ((h[:, :, 0] > 0) == (y[None, :] > 0.5)).all(axis=1)
        done = alive[ok]
        fitted[done] = True
        epochs[done] = epoch
        keep = ~ok
        alive = alive[keep]
        W = [w[keep] for w in W]
        b = [v[keep] for v in b]
    secs = time.perf_counter() - t0
    cpu = time.process_time() - c0
    print(
        json.dumps(
            {
                "runs": runs,
                "fitted": int(fitted.sum()),
                "epochs": int(epochs[fitted].sum()),
                "seconds": secs,
                "cpuSeconds": cpu,
                "precision": dtype,
                "numpy": np.__version__,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
