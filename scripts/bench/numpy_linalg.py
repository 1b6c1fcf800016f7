"""numpy/scipy baseline for `pnpm bench` (linalg): the FCN NNGP kernel done
the straightforward fast numpy way (X @ X.T, which uses BLAS syrk/gemm, then
the arc-cosine recursion elementwise in numpy), LAPACK Cholesky (the faster
of numpy.linalg.cholesky and scipy.linalg.cholesky) and triangular solves
(scipy.linalg.solve_triangular). float64 throughout. Prints one JSON object
per line: {"op", "n", ..., "seconds"} (median of `reps`). Optional: the
project never needs python; the bench skips this when numpy is missing.

Usage: numpy_linalg.py [--quick]
"""
import json
import sys
import time

import numpy as np

try:
    import scipy.linalg as sla
except ImportError:  # scipy is optional
    sla = None


def median_time(f, reps):
    f()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def fcn_relu(X, hidden, sw, sb):
    d = X.shape[1]
    sw2, sb2 = sw * sw, sb * sb
    K = X @ X.T
    K *= sw2 / d
    K += sb2
    for _ in range(hidden):
        diag = np.sqrt(np.diag(K))
        norms = np.outer(diag, diag)
        cos = np.clip(K / norms, -1.0, 1.0)
        theta = np.arccos(cos)
        K = sb2 + sw2 / (2 * np.pi) * norms * (np.sin(theta) + (np.pi - theta) * cos)
    return K


def spd(n, rng):
    X = rng.standard_normal((n, 50))
    A = X @ X.T
    A[np.diag_indices(n)] += 0.1 * n
    return A


def emit(**kw):
    kw["numpy"] = np.__version__
    print(json.dumps(kw), flush=True)


def main():
    quick = "--quick" in sys.argv
    reps = 3 if quick else 7
    rng = np.random.default_rng(1)

    n, d = 4000, 784
    X = rng.random((n, d))
    emit(op="gram", n=n, d=d, seconds=median_time(lambda: X @ X.T, reps))
    emit(op="fcn", n=n, d=d, hidden=2, activation="relu",
         seconds=median_time(lambda: fcn_relu(X, 2, 1.4, 0.1), max(3, reps // 2)))
    del X

    for n in (1000, 2000, 4000):
        A = spd(n, rng)
        t_np = median_time(lambda: np.linalg.cholesky(A), reps)
        t_sp = median_time(lambda: sla.cholesky(A, lower=True, check_finite=False), reps) if sla else float("inf")
        emit(op="cholesky", n=n, seconds=min(t_np, t_sp), numpySeconds=t_np,
             scipySeconds=None if sla is None else t_sp)
        if sla is None:
            continue
        L = np.linalg.cholesky(A)
        b = rng.standard_normal(n)
        for tr in (False, True):
            emit(op="trsv", n=n, transpose=tr,
                 seconds=median_time(lambda: sla.solve_triangular(L, b, lower=True, trans=1 if tr else 0,
                                                                  check_finite=False), reps))
        B = rng.standard_normal((n, 256))
        emit(op="trsm", n=n, nrhs=256,
             seconds=median_time(lambda: sla.solve_triangular(L, B, lower=True, check_finite=False), reps))


if __name__ == "__main__":
    main()
