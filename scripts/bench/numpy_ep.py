#!/usr/bin/env python3
"""EP for GP classification with the step likelihood, in numpy/scipy: the same
algorithm as packages/nngp/src/ep/ep.ts (GPML Alg. 3.5 in the B = I + S^1/2 K S^1/2
form, sequential rank-1 updates with the O(n) mean update, a refresh from
chol(B) after every sweep, the same log Z formula). ep.ts applies its rank-1
terms in blocks of 256 through a Gram product; here each one is applied at once
(BLAS dger in place, or GPy's np.outer), which is the same arithmetic. A benchmark baseline and a
cross-check; no test depends on it.

The parallel schedule (--parallel) is ep.ts's as well: every site from the
same posterior, damped adaptively (start 0.8; x0.7 when successive site changes
point against each other, cos < -0.3; x1.2 up to 1 when cos > 0.8), then a
refresh of only diag(Sigma) and mu: L = chol(B), diag(B^-1) from L^-1 (LAPACK
dtrtri), Sigma_ii = (1 - (B^-1)_ii)/tau_i, and K_ii - |L^-1 S^1/2 k_i|^2 for
weak sites (tau_i Sigma_ii < 1e-2) (refresh.ts).

Usage:
  numpy_ep.py --bench N [--sweeps S] [--seed SEED] [--rank1 outer|blas]
      builds the NNGP-like benchmark kernel (see kernel()), runs exactly S sweeps
      in fixed order and prints one JSON line {n, sweeps, seconds, logZ, ...}.
  numpy_ep.py --kernel K.npy --labels y.npy [--sweeps S] [--tol T]
      EP on a given kernel, prints JSON.
  numpy_ep.py --parallel --kernel-bin K.f64 --labels-bin y.f64 --n N [--sweeps S] [--tol T]
      parallel EP on a raw float64 row-major kernel and labels (what the
      TypeScript bench writes), exactly S sweeps when --tol 0; prints JSON.
"""
import argparse
import json
import sys
import time

import numpy as np
from scipy.linalg import blas, cho_factor, lapack, solve_triangular
from scipy.special import log_ndtr, ndtr


def step_moments(z):
    """log Phi(z), r = phi(z)/Phi(z), v = 1 - r(z + r); continued fraction for z < -2.5."""
    logz = log_ndtr(z)
    if z < -2.5:
        a = -z
        d = a
        for k in range(49 if a >= 4 else 99, 1, -1):
            d = a + (k + 1) / d
        d2 = d
        d1 = a + 2 / d2
        delta = 1 / d1
        w = 2 / d2
        return logz, a + delta, delta * (w - delta)
    r = np.exp(-0.5 * z * z - 0.5 * np.log(2 * np.pi) - logz)
    return logz, r, 1 - r * (z + r)


def refresh(K, tau, nu):
    n = K.shape[0]
    sq = np.sqrt(tau)
    B = np.eye(n) + sq[:, None] * K * sq[None, :]
    L = np.linalg.cholesky(B)
    W = solve_triangular(L, sq[:, None] * K, lower=True, check_finite=False)
    Sigma = K - W.T @ W
    mu = Sigma @ nu
    return L, Sigma, mu


def log_z(L, Sigma, mu, tau, nu, y):
    d = np.diag(Sigma)
    tau_c = 1 / d - tau
    nu_c = mu / d - nu
    z = y * (nu_c / tau_c) * np.sqrt(tau_c)
    s = sum(step_moments(zi)[0] for zi in z)
    s += np.sum(0.5 * np.log1p(tau / tau_c) + (nu_c**2 * (tau / tau_c) - 2 * nu_c * nu - nu**2) / (2 * (tau_c + tau)))
    return s - np.sum(np.log(np.diag(L))) + 0.5 * nu @ mu


def ep(K, y, sweeps=200, tol=1e-6, rank1="blas", order=None):
    n = K.shape[0]
    tau = np.zeros(n)
    nu = np.zeros(n)
    # cold start: Sigma = K, mu = 0 (no factorisation), as in ep.ts
    Sigma = np.array(K, order="F")
    mu = np.zeros(n)
    kbar = np.mean(np.diag(K))
    it = 0
    t_updates = 0.0
    t_refresh = 0.0
    for it in range(1, sweeps + 1):
        t0 = time.perf_counter()
        tau_old = tau.copy()
        nu_old = nu.copy()
        for i in order if order is not None else range(n):
            sii = Sigma[i, i]
            tau_c = 1 / sii - tau[i]
            if not tau_c > 0:
                continue
            nu_c = mu[i] / sii - nu[i]
            s_c = 1 / np.sqrt(tau_c)
            mu_c = nu_c / tau_c
            z = y[i] * mu_c / s_c
            _, r, v = step_moments(z)
            mu_hat = mu_c + y[i] * s_c * r
            var_hat = s_c * s_c * v
            t_new = max(0.0, 1 / var_hat - tau_c)
            n_new = mu_hat / var_hat - nu_c
            d_tau = t_new - tau[i]
            d_nu = n_new - nu[i]
            tau[i] = t_new
            nu[i] = n_new
            s = Sigma[:, i].copy()
            c = d_tau / (1 + d_tau * sii)
            mu += s * (d_nu - c * (mu[i] + d_nu * sii))
            if rank1 == "blas":
                Sigma = blas.dger(-c, s, s, a=Sigma, overwrite_a=1)
            else:
                Sigma -= c * np.outer(s, s)
        t1 = time.perf_counter()
        L, Sigma, mu = refresh(K, tau, nu)
        Sigma = np.asfortranarray(Sigma)
        t2 = time.perf_counter()
        t_updates += t1 - t0
        t_refresh += t2 - t1
        delta = max(np.max(np.abs(tau - tau_old)) * kbar, np.max(np.abs(nu - nu_old)) * np.sqrt(kbar))
        if tol > 0 and delta <= tol:
            break
    return {
        "logZ": float(log_z(L, Sigma, mu, tau, nu, y)),
        "iterations": it,
        "secondsUpdates": t_updates,
        "secondsRefresh": t_refresh,
        "tau": tau,
        "nu": nu,
        "mu": mu,
    }


WEAK_SITE = 1e-2


def propose(sii, mui, taui, nui, yi, tau_max):
    """One site's proposal from its cavity (ep.ts proposeSite); None when the cavity is not usable."""
    tau_c = 1 / sii - taui
    if not (tau_c > 0) or not np.isfinite(tau_c):
        return None
    nu_c = mui / sii - nui
    s_c = 1 / np.sqrt(tau_c)
    mu_c = nu_c / tau_c
    z = yi * mu_c / s_c
    if not np.isfinite(z):
        return None
    _, r, v = step_moments(z)
    mu_hat = mu_c + yi * s_c * r
    var_hat = s_c * s_c * v
    if not (var_hat > 0):
        return None
    t = max(0.0, 1 / var_hat - tau_c)
    nn = mu_hat / var_hat - nu_c
    if t > tau_max:
        nn *= tau_max / t
        t = tau_max
    return t, nn


def refresh_diag(K, tau, nu):
    """diag(Sigma), mu = Sigma nu, sum log L_ii without forming Sigma (ep/refresh.ts)."""
    n = K.shape[0]
    sq = np.sqrt(tau)
    B = sq[:, None] * K * sq[None, :]
    B[np.diag_indices(n)] += 1
    L = np.linalg.cholesky(B)
    Linv, info = lapack.dtrtri(L, lower=1)
    if info != 0:
        raise RuntimeError(f"dtrtri failed: {info}")
    binv = np.einsum("ij,ij->j", Linv, Linv)
    s = 1 - binv
    strong = (tau > 0) & (s >= WEAK_SITE)
    diag = np.empty(n)
    diag[strong] = s[strong] / tau[strong]
    weak = np.flatnonzero(~strong)
    if weak.size:
        W = solve_triangular(L, sq[:, None] * K[:, weak], lower=True, check_finite=False)
        diag[weak] = K[weak, weak] - np.einsum("ij,ij->j", W, W)
    a = K @ nu
    u = solve_triangular(L, sq * a, lower=True, check_finite=False)
    u = solve_triangular(L, u, lower=True, trans="T", check_finite=False)
    mu = a - K @ (sq * u)
    return L, diag, mu


def log_z_diag(L, diag, mu, tau, nu, y):
    tau_c = 1 / diag - tau
    nu_c = mu / diag - nu
    z = y * (nu_c / tau_c) * np.sqrt(tau_c)
    s = sum(step_moments(zi)[0] for zi in z)
    s += np.sum(0.5 * np.log1p(tau / tau_c) + (nu_c**2 * (tau / tau_c) - 2 * nu_c * nu - nu**2) / (2 * (tau_c + tau)))
    return s - np.sum(np.log(np.diag(L))) + 0.5 * nu @ mu


def ep_parallel(K, y, sweeps=200, tol=1e-4):
    """Parallel EP with adaptive damping and the diagonal refresh (ep.ts schedule 'parallel')."""
    n = K.shape[0]
    tau = np.zeros(n)
    nu = np.zeros(n)
    diag = np.diag(K).copy()
    mu = np.zeros(n)
    kbar = np.mean(np.diag(K))
    tau_max = 1e10 / np.where(np.diag(K) > 0, np.diag(K), kbar)
    damping = 0.8
    prev = None
    t_updates = 0.0
    t_refresh = 0.0
    L = None
    it = 0
    for it in range(1, sweeps + 1):
        t0 = time.perf_counter()
        tau_old = tau.copy()
        nu_old = nu.copy()
        for i in range(n):
            if K[i, i] == 0:
                continue
            p = propose(diag[i], mu[i], tau[i], nu[i], y[i], tau_max[i])
            if p is None:
                continue
            tau[i] = max(0.0, (1 - damping) * tau[i] + damping * p[0])
            nu[i] = (1 - damping) * nu[i] + damping * p[1]
        t1 = time.perf_counter()
        L, diag, mu = refresh_diag(K, tau, nu)
        t2 = time.perf_counter()
        t_updates += t1 - t0
        t_refresh += t2 - t1
        d = np.concatenate([(tau - tau_old) * kbar, (nu - nu_old) * np.sqrt(kbar)])
        delta = np.max(np.abs(d))
        if prev is not None:
            dd, pp = d @ d, prev @ prev
            c = d @ prev / np.sqrt(dd * pp) if dd > 0 and pp > 0 else 0.0
            if c < -0.3:
                damping = max(0.05, damping * 0.7)
            elif c > 0.8:
                damping = min(1.0, damping * 1.2)
        prev = d
        if tol > 0 and delta <= tol:
            break
    return {
        "logZ": float(log_z_diag(L, diag, mu, tau, nu, y)),
        "iterations": it,
        "secondsUpdates": t_updates,
        "secondsRefresh": t_refresh,
    }


def kernel(n, d=20, seed=1):
    """NNGP-like benchmark kernel: 2-hidden-layer ReLU NNGP (sigma_w = sigma_b = 1) on n standard-normal
    inputs in R^d, the same construction as scripts/src/bench/ep.ts (inputs from numpy here; the
    TypeScript side builds its own, so timings are comparable but kernels differ in their draws)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    K = 1.0 + X @ X.T / d
    for _ in range(2):
        dg = np.diag(K).copy()
        p = np.sqrt(np.outer(dg, dg))
        c = K
        s = np.sqrt(np.maximum(np.outer(dg, dg) - c * c, 0))
        th = np.arctan2(s, c)
        K = 1.0 + (1 / (2 * np.pi)) * p * (np.sin(th) + (np.pi - th) * np.cos(th))
        np.fill_diagonal(K, 1.0 + dg / 2)
    y = np.where(X[:, 0] > 0, 1.0, -1.0)
    return K, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bench", type=int)
    ap.add_argument("--kernel")
    ap.add_argument("--labels")
    ap.add_argument("--sweeps", type=int, default=None)
    ap.add_argument("--tol", type=float, default=1e-6)
    ap.add_argument("--rank1", choices=["outer", "blas"], default="blas")
    ap.add_argument("--parallel", action="store_true")
    ap.add_argument("--kernel-bin")
    ap.add_argument("--labels-bin")
    ap.add_argument("--n", type=int)
    a = ap.parse_args()
    if a.parallel:
        K = np.fromfile(a.kernel_bin, dtype="<f8").reshape(a.n, a.n)
        y = np.fromfile(a.labels_bin, dtype="<f8")
        t0 = time.perf_counter()
        r = ep_parallel(K, y, sweeps=a.sweeps or 200, tol=a.tol)
        dt = time.perf_counter() - t0
        out = {"n": a.n, "sweeps": r["iterations"], "seconds": dt, "secondsUpdates": r["secondsUpdates"],
               "secondsRefresh": r["secondsRefresh"], "logZ": r["logZ"], "numpy": np.__version__}
    elif a.bench:
        K, y = kernel(a.bench)
        sweeps = a.sweeps or 3
        t0 = time.perf_counter()
        r = ep(K, y, sweeps=sweeps, tol=0.0, rank1=a.rank1)
        dt = time.perf_counter() - t0
        out = {"n": a.bench, "sweeps": r["iterations"], "seconds": dt, "secondsUpdates": r["secondsUpdates"],
               "secondsRefresh": r["secondsRefresh"], "logZ": r["logZ"], "rank1": a.rank1,
               "numpy": np.__version__}
    else:
        K = np.load(a.kernel)
        y = np.load(a.labels)
        r = ep(K, y, sweeps=a.sweeps or 200, tol=a.tol, rank1=a.rank1)
        out = {"n": len(y), "logZ": r["logZ"], "iterations": r["iterations"]}
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
