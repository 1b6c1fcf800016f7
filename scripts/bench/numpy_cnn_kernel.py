"""numpy baseline for `pnpm bench --only cnn`: the flatten CNN-GP (NNGP) kernel,
the same recursion as fsbayes' conv-map engine, vectorised over pairs of
images the straightforward numpy way. For a chunk of pairs (row image i
against a range of column images), arrays [pairs, H, W]:

  V0 = mean_c x * x'                                (channel means)
  per conv layer: pad (SAME, TensorFlow's split), window sums separably
  (rows then columns, with strides), A = sb2 + sw2 * sum / (kh*kw),
  V = E_relu(q, q', A) = (sn + (pi - theta) A) / (2 pi),
  sn = sqrt(max(q q' - A^2, 0)), theta = atan2(sn, A)
  K = sb2 + sw2 * mean_p V

with each image's own A_p (q) from the same recursion on the pair (x, x).
float64. Lower triangle only (the kernel is symmetric), then mirrored.

Reads the images from a raw float64 file (n x H*W*C, NHWC). Prints one JSON
object: {"n", "pairs", "pairsTimed", "seconds", "extrapolated"}; with
--max-pairs P only the first P pairs (row by row, at least) are computed
and timed, and their time is scaled to all pairs (the images alone are all
computed) (said so by "extrapolated": true).
--out FILE writes the kernel (n x n float64) when all pairs were computed.

Usage: numpy_cnn_kernel.py --images FILE --n N --shape H,W,C
         --convs k,s,PAD;k,s,PAD;... --sw SW --sb SB [--max-pairs P] [--out FILE]
"""
import argparse
import json
import time

import numpy as np


def pad_before(size, k, s, padding):
    if padding == "VALID":
        return 0
    out = -(-size // s)
    return max((out - 1) * s + k - size, 0) // 2


def out_size(size, k, s, padding):
    return -(-size // s) if padding == "SAME" else (size - k) // s + 1


def window_sums(V, k, s, padding):
    """Sums over k x k windows with stride s of V [B, H, W] (zeros outside), rows then columns."""
    B, H, W = V.shape
    OH, OW = out_size(H, k, s, padding), out_size(W, k, s, padding)
    ph, pw = pad_before(H, k, s, padding), pad_before(W, k, s, padding)
    Hp = max(H + ph, (OH - 1) * s + k)
    Wp = max(W + pw, (OW - 1) * s + k)
    P = np.zeros((B, Hp, Wp))
    P[:, ph : ph + H, pw : pw + W] = V
    R = np.zeros((B, Hp, OW))
    for kx in range(k):
        R += P[:, :, kx : kx + (OW - 1) * s + 1 : s]
    out = np.zeros((B, OH, OW))
    for ky in range(k):
        out += R[:, ky : ky + (OH - 1) * s + 1 : s, :]
    return out


def relu_dual(qa, qb, A):
    sn = np.sqrt(np.maximum(qa * qb - A * A, 0.0))
    theta = np.arctan2(sn, A)
    return (sn + (np.pi - theta) * A) / (2 * np.pi)


def forward(Xa, Xb, qa, qb, convs, sw2, sb2, C):
    """Pairs (Xa[b], Xb[b]) [B, H, W, C]: the readout K per pair; with qa = None, each image with itself,
    returning its per-layer A as well."""
    V = (Xa * Xb).sum(axis=3) / C
    selfq = []
    for l, (k, s, padding) in enumerate(convs):
        A = sb2 + sw2 * (window_sums(V, k, s, padding) / (k * k))
        if qa is None:
            selfq.append(A)
            V = relu_dual(A, A, A)
        else:
            V = relu_dual(qa[l], qb[l], A)
    K = sb2 + sw2 * V.reshape(V.shape[0], -1).mean(axis=1)
    return K, selfq


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--shape", required=True)
    ap.add_argument("--convs", required=True)
    ap.add_argument("--sw", type=float, required=True)
    ap.add_argument("--sb", type=float, required=True)
    ap.add_argument("--max-pairs", type=int, default=0)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    H, W, C = (int(v) for v in a.shape.split(","))
    convs = []
    for c in a.convs.split(";"):
        k, s, padding = c.split(",")
        convs.append((int(k), int(s), padding))
    n = a.n
    X = np.fromfile(a.images, dtype=np.float64, count=n * H * W * C).reshape(n, H, W, C)
    sw2, sb2 = a.sw * a.sw, a.sb * a.sb
    pairs = n * (n + 1) // 2
    limit = a.max_pairs if 0 < a.max_pairs < pairs else pairs
    chunk = 256  # pairs per numpy call: [256, 28, 28] arrays, ~1.6 MB each
    t0 = time.perf_counter()
    # every image alone: its per-layer A (q)
    parts = [[] for _ in convs]
    for i0 in range(0, n, chunk):
        Xi = X[i0 : i0 + chunk]
        _, selfq = forward(Xi, Xi, None, None, convs, sw2, sb2, C)
        for l, A in enumerate(selfq):
            parts[l].append(A)
    q = [np.concatenate(p) for p in parts]
    t_self = time.perf_counter() - t0
    K = np.zeros((n, n))
    done = 0
    for i in range(n):
        if done >= limit:
            break
        for j0 in range(0, i + 1, chunk):
            j1 = min(j0 + chunk, i + 1)
            B = j1 - j0
            Xa = np.broadcast_to(X[i], (B, H, W, C))
            qa = [np.broadcast_to(ql[i], (B,) + ql.shape[1:]) for ql in q]
            qb = [ql[j0:j1] for ql in q]
            k, _ = forward(Xa, X[j0:j1], qa, qb, convs, sw2, sb2, C)
            K[i, j0:j1] = k
            done += B
    seconds = time.perf_counter() - t0
    extrapolated = done < pairs
    if extrapolated:
        seconds = t_self + (seconds - t_self) * pairs / done
    elif a.out:
        K = np.tril(K) + np.tril(K, -1).T
        K.tofile(a.out)
    print(
        json.dumps(
            {
                "n": n,
                "pairs": pairs,
                "pairsTimed": done,
                "seconds": seconds,
                "extrapolated": extrapolated,
                "numpy": np.__version__,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
