"""numpy baseline for `pnpm bench --only cnn`: sample random CNNs from the
prior (conv weights [OC, kh, kw, C] ~ N(0, sw^2/fan_in), biases N(0, sb^2))
and evaluate them on images, batched over nets: each conv layer is im2col
(sliding_window_view, TensorFlow SAME/VALID padding, strides) + a batched
np.matmul, then flatten or global average pooling, the dense layers and the
readout, ReLU throughout — the straightforward fast numpy way. The first
layer's im2col matrix depends on the images only and is built once.

argv: seconds per workload, then a JSON list of workloads
{id, inputShape: [H, W, C], convs: [{channels, kernel, stride, padding}],
pooling: "flatten" | "gap", hidden: [...], m}. Prints one JSON line per
workload and precision (nets per wall-clock and per CPU second). Optional: the project never needs python; the
bench skips this when numpy is missing."""
import json
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def pad_same(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def im2col(x, conv):
    """x: [..., H, W, C] -> ([..., OH*OW, kh*kw*C], OH, OW), rows in (ky, kx, c) order like the weights."""
    (kh, kw), (sh, sw) = conv["kernel"], conv["stride"]
    if conv["padding"] == "SAME":
        pads = [(0, 0)] * (x.ndim - 3) + [pad_same(x.shape[-3], kh, sh), pad_same(x.shape[-2], kw, sw), (0, 0)]
        x = np.pad(x, pads)
    win = sliding_window_view(x, (kh, kw), axis=(-3, -2))[..., ::sh, ::sw, :, :, :]  # [..., OH, OW, C, kh, kw]
    oh, ow = win.shape[-5], win.shape[-4]
    win = np.moveaxis(win, -3, -1)  # [..., OH, OW, kh, kw, C]
    return win.reshape(*win.shape[:-5], oh * ow, -1), oh, ow


def run(w, dtype, seconds, sw=1.0, sb=1.0):
    rng = np.random.default_rng(1)
    m = w["m"]
    X = rng.random((m, *w["inputShape"])).astype(dtype)
    col0, oh0, ow0 = im2col(X, w["convs"][0])  # [m, OH*OW, K0], the same for every net
    col0 = col0.reshape(-1, col0.shape[-1])
    # nets per batch: the largest im2col matrix or activation of a batch near 32 MB
    per_net, (h, wd, c) = 0, w["inputShape"]
    for conv in w["convs"]:
        (kh, kw), (sh, sw_) = conv["kernel"], conv["stride"]
        if conv["padding"] == "SAME":
            h, wd = -(-h // sh), -(-wd // sw_)
        else:
            h, wd = (h - kh) // sh + 1, (wd - kw) // sw_ + 1
        per_net = max(per_net, h * wd * m * max(kh * kw * c, conv["channels"]))
        c = conv["channels"]
    batch = int(max(1, min(256, (32 << 20) // (per_net * np.dtype(dtype).itemsize))))
    nets = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    while True:
        h = None
        c_in = w["inputShape"][2]
        for li, conv in enumerate(w["convs"]):
            kh, kw = conv["kernel"]
            fan_in = kh * kw * c_in
            oc = conv["channels"]
            W = rng.standard_normal((batch, fan_in, oc), dtype=dtype) * dtype(sw / np.sqrt(fan_in))
            b = rng.standard_normal((batch, 1, 1, 1, oc), dtype=dtype) * dtype(sb)
            if li == 0:
                # one GEMM for the whole batch: [m·OH·OW, K0] @ [K0, B·OC]
                z = (col0 @ W.transpose(1, 0, 2).reshape(fan_in, -1)).reshape(m, oh0, ow0, batch, oc)
                z = np.moveaxis(z, 3, 0)
            else:
                col, oh, ow = im2col(h, conv)  # [B, m, OH*OW, K]
                z = np.matmul(col.reshape(batch, -1, fan_in), W).reshape(batch, m, oh, ow, oc)
            z = z + b
            np.maximum(z, 0, out=z)
            h = z
            c_in = oc
        if w["pooling"] == "gap":
            f = h.mean(axis=(2, 3))  # [B, m, C]
        else:
            f = h.reshape(batch, m, -1)
        for li, width in enumerate([*w["hidden"], 1]):
            fan_in = f.shape[-1]
            W = rng.standard_normal((batch, fan_in, width), dtype=dtype) * dtype(sw / np.sqrt(fan_in))
            b = rng.standard_normal((batch, 1, width), dtype=dtype) * dtype(sb)
            f = np.matmul(f, W) + b
            if li < len(w["hidden"]):
                np.maximum(f, 0, out=f)
        np.packbits(f[:, :, 0] > 0, axis=1)
        nets += batch
        if time.perf_counter() - t0 > seconds:
            break
    return nets / (time.perf_counter() - t0), nets / (time.process_time() - c0)


def main():
    seconds = float(sys.argv[1])
    for w in json.loads(sys.argv[2]):
        for dtype in (np.float32, np.float64):
            rate, cpu_rate = run(w, dtype, seconds)
            print(json.dumps({"workload": w["id"], "precision": "f32" if dtype == np.float32 else "f64",
                              "netsPerSecond": rate, "netsPerCpuSecond": cpu_rate, "numpy": np.__version__}), flush=True)


if __name__ == "__main__":
    main()
