"""numpy baseline for `pnpm bench --only cnn`: train B convolutional ReLU
nets in lockstep, batched over nets: each conv layer as im2col (strided
slices of the padded NHWC images, TensorFlow SAME/VALID padding) and one
batched matmul per layer, manual backprop (col2im by strided adds), then
flatten or global average pooling, dense layers and one logit. Each net has
its own prior draw (W ~ N(0, sw^2/fan_in), b ~ N(0, sb^2)) and its own
minibatch order (reshuffled every epoch); plain SGD on binary cross-entropy
until every net classifies all of S correctly (checked at the end of each
epoch); fitted nets drop out. The same nets and hyperparameters as
`fsbayes sgd --arch cnn:...`. Optional: the bench skips it without numpy.

usage: numpy_cnn_sgd.py S.bin H W C m arch.json lr batch runs max_epochs dtype sigma_w sigma_b
arch.json: {"convs": [[channels, kh, kw, sh, sw, "SAME"|"VALID"], ...], "pooling": "flatten"|"gap", "hidden": [...]}
S.bin holds m*H*W*C float64 inputs then m float64 labels (0/1).
Prints one JSON line: runs, fitted, epochs (sum over fitted), seconds (wall) and cpuSeconds."""
import json
import math
import sys
import time

import numpy as np


def conv_geometry(h, w, kh, kw, sh, sw, padding):
    if padding == "SAME":
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
        ph = max((oh - 1) * sh + kh - h, 0) // 2
        pw = max((ow - 1) * sw + kw - w, 0) // 2
    else:
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
        ph = pw = 0
    hp = max((oh - 1) * sh + kh, h + ph)
    wp = max((ow - 1) * sw + kw, w + pw)
    return oh, ow, ph, pw, hp, wp


def main():
    path, H, W, C, m, arch, lr, batch, runs, max_epochs, dtype, sw_, sb = sys.argv[1:14]
    H, W, C, m, batch, runs, max_epochs = int(H), int(W), int(C), int(m), int(batch), int(runs), int(max_epochs)
    lr, sw_, sb = float(lr), float(sw_), float(sb)
    arch = json.loads(arch)
    dt = np.float32 if dtype == "f32" else np.float64
    raw = np.fromfile(path, dtype=np.float64)
    X = raw[: m * H * W * C].reshape(m, H, W, C).astype(dt)
    y = raw[m * H * W * C : m * H * W * C + m].astype(dt)
    rng = np.random.default_rng(1)
    # layer geometry
    convs = []
    h, w, c = H, W, C
    for oc, kh, kw, sh, sw, pad in arch["convs"]:
        oh, ow, ph, pw, hp, wp = conv_geometry(h, w, kh, kw, sh, sw, pad)
        convs.append(dict(h=h, w=w, c=c, oc=oc, kh=kh, kw=kw, sh=sh, sw=sw, oh=oh, ow=ow, ph=ph, pw=pw, hp=hp, wp=wp))
        h, w, c = oh, ow, oc
    feats = c if arch["pooling"] == "gap" else h * w * c
    dims = [feats, *arch["hidden"], 1]
    t0 = time.perf_counter()
    c0 = time.process_time()
    # conv weights [B, kh*kw*c, oc] (im2col columns in (ky, kx, ic) order), dense weights [B, in, out]
    Wc = [(rng.standard_normal((runs, g["kh"] * g["kw"] * g["c"], g["oc"])) * (sw_ / math.sqrt(g["kh"] * g["kw"] * g["c"]))).astype(dt) for g in convs]
    bc = [(rng.standard_normal((runs, g["oc"])) * sb).astype(dt) for g in convs]
    Wd = [(rng.standard_normal((runs, dims[l], dims[l + 1])) * (sw_ / math.sqrt(dims[l]))).astype(dt) for l in range(len(dims) - 1)]
    bd = [(rng.standard_normal((runs, dims[l + 1])) * sb).astype(dt) for l in range(len(dims) - 1)]

    def im2col(a, g):  # a [B, n, h, w, c] -> [B, n*oh*ow, kh*kw*c]
        B, n = a.shape[:2]
        xp = np.zeros((B, n, g["hp"], g["wp"], g["c"]), dtype=dt)
        xp[:, :, g["ph"] : g["ph"] + g["h"], g["pw"] : g["pw"] + g["w"], :] = a
        cols = np.empty((B, n, g["oh"], g["ow"], g["kh"], g["kw"], g["c"]), dtype=dt)
        for ky in range(g["kh"]):
            for kx in range(g["kw"]):
                cols[:, :, :, :, ky, kx, :] = xp[:, :, ky : ky + g["sh"] * g["oh"] : g["sh"], kx : kx + g["sw"] * g["ow"] : g["sw"], :]
        return cols.reshape(B, n * g["oh"] * g["ow"], g["kh"] * g["kw"] * g["c"])

    def col2im(dcols, g, B, n):  # [B, n*oh*ow, kh*kw*c] -> [B, n, h, w, c]
        dc = dcols.reshape(B, n, g["oh"], g["ow"], g["kh"], g["kw"], g["c"])
        dxp = np.zeros((B, n, g["hp"], g["wp"], g["c"]), dtype=dt)
        for ky in range(g["kh"]):
            for kx in range(g["kw"]):
                dxp[:, :, ky : ky + g["sh"] * g["oh"] : g["sh"], kx : kx + g["sw"] * g["ow"] : g["sw"], :] += dc[:, :, :, :, ky, kx, :]
        return dxp[:, :, g["ph"] : g["ph"] + g["h"], g["pw"] : g["pw"] + g["w"], :]

    def forward(a):  # a [B, n, H, W, C]
        B, n = a.shape[:2]
        cache = []
        for l, g in enumerate(convs):
            cols = im2col(a, g)
            z = np.matmul(cols, Wc[l]) + bc[l][:, None, :]
            cache.append((cols, z))
            a = np.maximum(z, 0).reshape(B, n, g["oh"], g["ow"], g["oc"])
        f = a.mean(axis=(2, 3)) if arch["pooling"] == "gap" else a.reshape(B, n, -1)
        acts, zs = [f], []
        for l in range(len(dims) - 1):
            z = np.matmul(acts[-1], Wd[l]) + bd[l][:, None, :]
            zs.append(z)
            if l < len(dims) - 2:
                acts.append(np.maximum(z, 0))
        return zs[-1][:, :, 0], cache, acts, zs

    alive = np.arange(runs)
    epochs = np.zeros(runs, dtype=np.int64)
    fitted = np.zeros(runs, dtype=bool)
    for epoch in range(1, max_epochs + 1):
        B = len(alive)
        if B == 0:
            break
        order = np.argsort(rng.random((B, m)), axis=1)
        for start in range(0, m, batch):
            idx = order[:, start : start + batch]
            n = idx.shape[1]
            out, cache, acts, zs = forward(X[idx])
            delta = ((1 / (1 + np.exp(-out)) - y[idx]) / n)[:, :, None]
            for l in range(len(dims) - 2, -1, -1):
                gW = np.matmul(acts[l].transpose(0, 2, 1), delta)
                gb = delta.sum(axis=1)
                delta = np.matmul(delta, Wd[l].transpose(0, 2, 1))
                if l > 0:
                    delta = delta * (zs[l - 1] > 0)
                Wd[l] -= lr * gW
                bd[l] -= lr * gb
            g = convs[-1]
            if arch["pooling"] == "gap":
                da = np.broadcast_to(delta[:, :, None, :] / (g["oh"] * g["ow"]), (B, n, g["oh"] * g["ow"], g["oc"]))
                da = da.reshape(B, n * g["oh"] * g["ow"], g["oc"])
            else:
                da = delta.reshape(B, n * g["oh"] * g["ow"], g["oc"])
            for l in range(len(convs) - 1, -1, -1):
                cols, z = cache[l]
                dz = da * (z > 0)
                gW = np.matmul(cols.transpose(0, 2, 1), dz)
                gb = dz.sum(axis=1)
                if l > 0:
                    da = col2im(np.matmul(dz, Wc[l].transpose(0, 2, 1)), convs[l], B, n)
                    da = da.reshape(B, n * convs[l - 1]["oh"] * convs[l - 1]["ow"], convs[l - 1]["oc"])
                Wc[l] -= lr * gW
                bc[l] -= lr * gb
        ok = np.ones(B, dtype=bool)
        for s0 in range(0, m, 64):  # the fit check on all of S, in chunks
            xs = np.broadcast_to(X[s0 : s0 + 64], (B, *X[s0 : s0 + 64].shape))
            out = forward(xs)[0]
            ok &= ((out > 0) == (y[None, s0 : s0 + 64] > 0.5)).all(axis=1)
        done = alive[ok]
        fitted[done] = True
        epochs[done] = epoch
        keep = ~ok
        alive = alive[keep]
        Wc = [v[keep] for v in Wc]
        bc = [v[keep] for v in bc]
        Wd = [v[keep] for v in Wd]
        bd = [v[keep] for v in bd]
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
