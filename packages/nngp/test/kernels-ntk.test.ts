/**
 * The NTK (NTK parameterisation) against the empirical NTK of finite nets:
 * hand-written backprop (its own forward pass, checked by finite
 * differences), the factorised sum against the explicit one, and the
 * analytic NTK within 5% of the empirical one of width-1024 nets.
 */
import {
  type Activation,
  type ArchSpec,
  cnnShapes,
  convPadBefore,
  erf,
  forwardReference,
  type ParamTensor,
  paramLayout,
  paramScales,
  priorParams,
  Rng,
} from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { kernelMatrix } from '../src/kernels/index.js';
import { cnn, fcn, normals, relFrob } from './helpers.js';

function dphiOf(a: Activation): (x: number) => number {
  switch (a) {
    case 'relu':
      return (x) => (x > 0 ? 1 : 0);
    case 'step':
      return () => 0;
    case 'erf':
      return (x) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
    case 'tanh':
      return (x) => 1 - Math.tanh(x) ** 2;
  }
}

function phiOf(a: Activation): (x: number) => number {
  switch (a) {
    case 'relu':
      return (x) => Math.max(x, 0);
    case 'step':
      return (x) => (x > 0 ? 1 : 0);
    case 'erf':
      return erf;
    case 'tanh':
      return Math.tanh;
  }
}

/**
 * Hand-written backprop: f(x) and ∂f/∂θ (layout order) of net `net` of
 * `theta` at input row `i` of X. Independent of src/ (its own forward pass).
 */
function gradient(
  spec: ArchSpec,
  theta: Float64Array,
  net: number,
  X: Float64Array,
  i: number,
  denseGradients = true,
): { f: number; g: Float64Array; dense: DenseFactors[] } {
  const layout = paramLayout(spec);
  const P = layout.size;
  const base = net * P;
  const g = new Float64Array(P);
  const phi = phiOf(spec.activation);
  const dphi = dphiOf(spec.activation);
  const T = layout.tensors;
  let t = 0;
  // Conv stack.
  const convPre: Float64Array[] = [];
  const convAct: Float64Array[] = [];
  let z: Float64Array;
  if (spec.kind === 'fcn') {
    z = X.slice(i * spec.inputDim, (i + 1) * spec.inputDim);
  } else {
    const shapes = cnnShapes(spec);
    const d0 = shapes[0][0] * shapes[0][1] * shapes[0][2];
    convAct.push(X.slice(i * d0, (i + 1) * d0));
    spec.convs.forEach((c, l) => {
      const [H, W, C] = shapes[l];
      const [OH, OW, OC] = shapes[l + 1];
      const ph = convPadBefore(H, c.kernel[0], c.stride[0], c.padding);
      const pw = convPadBefore(W, c.kernel[1], c.stride[1], c.padding);
      const Wt = T[t++];
      const Bt = spec.bias ? T[t++] : null;
      const src = convAct[l];
      const pre = new Float64Array(OH * OW * OC);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let oc = 0; oc < OC; oc++) {
            let s = Bt ? theta[base + Bt.offset + oc] : 0;
            for (let ky = 0; ky < c.kernel[0]; ky++)
              for (let kx = 0; kx < c.kernel[1]; kx++) {
                const y = oy * c.stride[0] - ph + ky;
                const x = ox * c.stride[1] - pw + kx;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                for (let ic = 0; ic < C; ic++)
                  s +=
                    theta[base + Wt.offset + ((oc * c.kernel[0] + ky) * c.kernel[1] + kx) * C + ic] *
                    src[(y * W + x) * C + ic];
              }
            pre[(oy * OW + ox) * OC + oc] = s;
          }
      convPre.push(pre);
      convAct.push(pre.map(phi));
    });
    const [h, w, ch] = shapes[shapes.length - 1];
    const last = convAct[convAct.length - 1];
    if (spec.pooling === 'gap') {
      z = new Float64Array(ch);
      for (let p = 0; p < h * w; p++) for (let c = 0; c < ch; c++) z[c] += last[p * ch + c] / (h * w);
    } else {
      z = last.slice();
    }
  }
  // Dense layers.
  const acts: Float64Array[] = [z];
  const pres: Float64Array[] = [];
  const dense = [...spec.hidden, 1];
  const denseT: { W: (typeof T)[number]; B: (typeof T)[number] | null }[] = [];
  for (let l = 0; l < dense.length; l++) {
    const W = T[t++];
    const B = spec.bias ? T[t++] : null;
    denseT.push({ W, B });
    const a = acts[l];
    const h = new Float64Array(dense[l]);
    for (let o = 0; o < dense[l]; o++) {
      let s = B ? theta[base + B.offset + o] : 0;
      for (let k = 0; k < a.length; k++) s += theta[base + W.offset + o * a.length + k] * a[k];
      h[o] = s;
    }
    pres.push(h);
    if (l < dense.length - 1) acts.push(h.map(phi));
  }
  const f = pres[pres.length - 1][0];
  // Backward through the dense layers.
  let delta = Float64Array.of(1); // ∂f/∂(pre-activation of the current layer)
  const factors: DenseFactors[] = [];
  for (let l = dense.length - 1; l >= 0; l--) {
    const { W, B } = denseT[l];
    const a = acts[l];
    factors.push({ delta, a, W, B });
    for (let o = 0; o < delta.length; o++) {
      if (denseGradients) for (let k = 0; k < a.length; k++) g[W.offset + o * a.length + k] = delta[o] * a[k];
      if (B) g[B.offset + o] = delta[o];
    }
    const da = new Float64Array(a.length);
    for (let o = 0; o < delta.length; o++)
      for (let k = 0; k < a.length; k++) da[k] += theta[base + W.offset + o * a.length + k] * delta[o];
    if (l > 0) delta = da.map((v, k) => v * dphi(pres[l - 1][k]));
    else delta = da; // ∂f/∂z (features)
  }
  if (spec.kind === 'cnn') {
    const shapes = cnnShapes(spec);
    const [h, w, ch] = shapes[shapes.length - 1];
    let dA: Float64Array;
    if (spec.pooling === 'gap') {
      dA = new Float64Array(h * w * ch);
      for (let p = 0; p < h * w; p++) for (let c = 0; c < ch; c++) dA[p * ch + c] = delta[c] / (h * w);
    } else {
      dA = delta;
    }
    let tc = spec.convs.length * (spec.bias ? 2 : 1);
    for (let l = spec.convs.length - 1; l >= 0; l--) {
      const c = spec.convs[l];
      const Bt = spec.bias ? T[--tc] : null;
      const Wt = T[--tc];
      const [H, W, C] = shapes[l];
      const [OH, OW, OC] = shapes[l + 1];
      const ph = convPadBefore(H, c.kernel[0], c.stride[0], c.padding);
      const pw = convPadBefore(W, c.kernel[1], c.stride[1], c.padding);
      const dH = dA.map((v, k) => v * dphi(convPre[l][k]));
      const src = convAct[l];
      const dSrc = new Float64Array(H * W * C);
      for (let oy = 0; oy < OH; oy++)
        for (let ox = 0; ox < OW; ox++)
          for (let oc = 0; oc < OC; oc++) {
            const dh = dH[(oy * OW + ox) * OC + oc];
            if (Bt) g[Bt.offset + oc] += dh;
            for (let ky = 0; ky < c.kernel[0]; ky++)
              for (let kx = 0; kx < c.kernel[1]; kx++) {
                const y = oy * c.stride[0] - ph + ky;
                const x = ox * c.stride[1] - pw + kx;
                if (y < 0 || y >= H || x < 0 || x >= W) continue;
                for (let ic = 0; ic < C; ic++) {
                  const wk = Wt.offset + ((oc * c.kernel[0] + ky) * c.kernel[1] + kx) * C + ic;
                  g[wk] += dh * src[(y * W + x) * C + ic];
                  dSrc[(y * W + x) * C + ic] += theta[base + wk] * dh;
                }
              }
          }
      dA = dSrc;
    }
  }
  return { f, g, dense: factors };
}

/** One dense layer's backprop factors: ∂f/∂W = δ aᵀ, ∂f/∂b = δ. */
interface DenseFactors {
  delta: Float64Array;
  a: Float64Array;
  W: ParamTensor;
  B: ParamTensor | null;
}

const dotv = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
};

/**
 * Mean over `nets` nets of Σ_k w_k ∂f/∂θ_k(x_i) ∂f/∂θ_k(x_j), w = s² (NTK
 * parameterisation) or 1 (standard). `factorised`: dense weights by
 * Σ_{o,k} w δ_o δ'_o a_k a'_k = w (δ·δ')(a·a') (same sum, no 1M-long vectors;
 * tested equal to the explicit one).
 */
function empiricalNtk(
  spec: ArchSpec,
  X: Float64Array,
  n: number,
  nets: number,
  seed: number,
  opts: { standard?: boolean; factorised?: boolean } = {},
): Float64Array {
  const layout = paramLayout(spec);
  const s = paramScales(layout);
  const w = opts.standard ? s.map(() => 1) : s.map((v) => v * v);
  const fact = opts.factorised ?? true;
  // Parameters covered by the dense factors (their g entries are left 0 when factorised).
  const skip = new Uint8Array(layout.size);
  const K = new Float64Array(n * n);
  for (let t = 0; t < nets; t++) {
    const theta = priorParams(spec, seed, t, 1);
    const gr = Array.from({ length: n }, (_, i) => gradient(spec, theta, 0, X, i, !fact));
    if (fact) for (const d of gr[0].dense) skip.fill(1, d.W.offset, d.W.offset + d.W.size);
    const explicit: number[] = [];
    for (let k = 0; k < skip.length; k++) if (!skip[k]) explicit.push(k);
    for (let i = 0; i < n; i++)
      for (let j = i; j < n; j++) {
        let v = 0;
        const a = gr[i].g;
        const b = gr[j].g;
        for (const k of explicit) v += w[k] * a[k] * b[k];
        if (fact) {
          gr[i].dense.forEach((di, l) => {
            const dj = gr[j].dense[l];
            v += w[di.W.offset] * dotv(di.delta, dj.delta) * dotv(di.a, dj.a);
          });
        }
        K[i * n + j] += v / nets;
        if (j !== i) K[j * n + i] += v / nets;
      }
  }
  return K;
}

describe('hand-written backprop (the tool for the empirical NTK)', () => {
  it('f equals the reference forward pass; ∂f/∂θ equals central finite differences', () => {
    const Xf = normals(2 * 5, 'bp-fcn');
    const Xc = normals(2 * 4 * 4 * 2, 'bp-cnn');
    const specs: [ArchSpec, Float64Array][] = [
      [fcn(5, [6, 4], 'erf'), Xf],
      [fcn(5, [7], 'tanh', false), Xf],
      [fcn(5, [6, 5], 'relu'), Xf],
      [
        cnn(
          [4, 4, 2],
          [
            [3, 3, 2, 'SAME'],
            [3, 2, 1, 'VALID'],
          ],
          'flatten',
          [4],
          'erf',
        ),
        Xc,
      ],
      [cnn([4, 4, 2], [[3, 3, 1, 'SAME']], 'gap', [], 'tanh', false), Xc],
    ];
    for (const [spec, X] of specs) {
      const theta = priorParams(spec, 9, 0, 1);
      const P = theta.length;
      const ref = forwardReference(spec, theta, 1, X, 2);
      for (let i = 0; i < 2; i++) {
        const { f, g } = gradient(spec, theta, 0, X, i);
        expect(f).toBeCloseTo(ref[i], 12);
        const x = X.subarray(i * (X.length / 2), (i + 1) * (X.length / 2));
        const r = new Rng(1, 'fd', i);
        for (let rep = 0; rep < 25; rep++) {
          const k = r.int(P);
          const eps = 1e-5;
          const tp = theta.slice();
          const tm = theta.slice();
          tp[k] += eps;
          tm[k] -= eps;
          const fd = (forwardReference(spec, tp, 1, x, 1)[0] - forwardReference(spec, tm, 1, x, 1)[0]) / (2 * eps);
          expect(Math.abs(fd - g[k])).toBeLessThan(1e-6 * (1 + Math.abs(g[k])));
        }
      }
    }
  });
});

describe('empirical NTK', () => {
  it('factorised dense layers give the explicit Σ_k s_k² g_k g′_k (FCN, CNN + dense)', () => {
    const Xf = normals(3 * 5, 'fact-fcn');
    const Xc = normals(3 * 4 * 4 * 2, 'fact-cnn');
    const cases: [ArchSpec, Float64Array][] = [
      [fcn(5, [9, 7], 'relu'), Xf],
      [fcn(5, [6], 'erf', false), Xf],
      [cnn([4, 4, 2], [[5, 3, 2, 'SAME']], 'flatten', [6], 'erf'), Xc],
      [cnn([4, 4, 2], [[5, 2, 1, 'VALID']], 'gap', [4, 3], 'relu', false), Xc],
    ];
    for (const [spec, X] of cases) {
      const a = empiricalNtk(spec, X, 3, 2, 8, { factorised: false });
      const b = empiricalNtk(spec, X, 3, 2, 8);
      expect(relFrob(b, a)).toBeLessThan(1e-13);
    }
  });
});

describe('NTK (NTK parameterisation) against the empirical NTK of width-1024 nets', () => {
  const Xf = normals(5 * 4, 'ntk-fcn').map((v, k) => v * (0.6 + 0.3 * Math.floor(k / 4)));
  const Xc = normals(3 * 5 * 5 * 2, 'ntk-cnn');
  const cases: { name: string; spec: ArchSpec; X: Float64Array; n: number; nets: number }[] = [];
  for (const act of ['relu', 'erf'] as const) {
    for (const bias of [true, false]) {
      for (const hidden of [[1024], [1024, 1024]]) {
        cases.push({
          name: `fcn ${hidden.join(',')} ${act} ${bias ? 'bias' : 'no bias'}`,
          spec: fcn(4, hidden, act, bias),
          X: Xf,
          n: 5,
          nets: hidden.length === 1 ? 8 : 8,
        });
      }
    }
  }
  cases.push({ name: 'fcn 1024,1024 step', spec: fcn(4, [1024, 1024], 'step'), X: Xf, n: 5, nets: 3 });
  cases.push({
    name: 'cnn c1024k3s2same flatten relu',
    spec: cnn([5, 5, 2], [[1024, 3, 2, 'SAME']], 'flatten', []),
    X: Xc,
    n: 3,
    nets: 4,
  });
  cases.push({
    name: 'cnn c1024k3same gap erf',
    spec: cnn([5, 5, 2], [[1024, 3, 1, 'SAME']], 'gap', [], 'erf'),
    X: Xc,
    n: 3,
    nets: 4,
  });
  const rows: string[] = [];
  for (const c of cases) {
    it(`${c.name}: relative Frobenius error ≤ 0.05`, () => {
      const exact = kernelMatrix(c.spec, c.X, c.n, undefined, undefined, { kind: 'ntk' });
      const emp = empiricalNtk(c.spec, c.X, c.n, c.nets, 21);
      const err = relFrob(emp, exact);
      rows.push(`${c.name} | ${c.nets} nets | ${err.toFixed(4)}`);
      expect(err).toBeLessThanOrEqual(0.05);
    });
  }
  it('the standard-parameterisation tangent kernel grows ∝ width (why the NTK parameterisation)', () => {
    const X = Xf;
    const tr = (K: Float64Array) => K.reduce((s, v) => s + v, 0);
    const a = tr(empiricalNtk(fcn(4, [256], 'relu'), X, 5, 4, 3, { standard: true }));
    const b = tr(empiricalNtk(fcn(4, [1024], 'relu'), X, 5, 4, 3, { standard: true }));
    const ntkA = tr(empiricalNtk(fcn(4, [256], 'relu'), X, 5, 4, 3));
    const ntkB = tr(empiricalNtk(fcn(4, [1024], 'relu'), X, 5, 4, 3));
    rows.push(
      `SP tangent kernel sum, width 1024 / width 256: ${(b / a).toFixed(3)}; NTK-param: ${(ntkB / ntkA).toFixed(3)}`,
    );
    console.log(['NTK case | nets | rel. Frobenius error vs empirical NTK', ...rows].join('\n'));
    expect(b / a).toBeGreaterThan(3.5);
    expect(b / a).toBeLessThan(4.5);
    expect(Math.abs(ntkB / ntkA - 1)).toBeLessThan(0.05);
  });
});
