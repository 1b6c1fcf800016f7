import { describe, expect, it } from 'vitest';
import {
  type ArchSpec,
  archString,
  cnnShapes,
  forwardReference,
  paramLayout,
  paramScales,
  parseArch,
  validateSpec,
} from '../src/arch/index.js';
import { erf } from '../src/math/index.js';
import { Rng } from '../src/rng/index.js';

describe('parseArch', () => {
  it('reads fcn strings and the prior options', () => {
    const s = parseArch('fcn:40,40', { inputShape: [7], sigmaW: 1, sigmaB: 1 });
    expect(s).toEqual({
      kind: 'fcn',
      inputDim: 7,
      hidden: [40, 40],
      activation: 'relu',
      sigmaW: 1,
      sigmaB: 1,
      bias: true,
    });
    const p = parseArch('fcn:', { inputShape: [28, 28, 1], sigmaB: 0 });
    expect(p).toMatchObject({ kind: 'fcn', inputDim: 784, hidden: [], bias: false });
  });

  it('reads cnn strings', () => {
    const s = parseArch('cnn:c16k3,c8k5x3s2same,gap,d32', { inputShape: [28, 28, 1], sigmaW: 1.4, sigmaB: 0.1 });
    if (s.kind !== 'cnn') throw new Error('expected cnn');
    expect(s.convs).toEqual([
      { channels: 16, kernel: [3, 3], stride: [1, 1], padding: 'VALID' },
      { channels: 8, kernel: [5, 3], stride: [2, 2], padding: 'SAME' },
    ]);
    expect(s.pooling).toBe('gap');
    expect(s.hidden).toEqual([32]);
    // 28 -VALID k3-> 26 -SAME s2-> 13
    expect(cnnShapes(s)).toEqual([
      [28, 28, 1],
      [26, 26, 16],
      [13, 13, 8],
    ]);
    expect(archString(s)).toBe('cnn:c16k3s1valid,c8k5x3s2same,gap,d32');
  });

  it('names the bad part', () => {
    expect(() => parseArch('fcn:40,x', { inputShape: [7] })).toThrow(/hidden width "x"/);
    expect(() => parseArch('fcn:40,0', { inputShape: [7] })).toThrow(/hidden width "0"/);
    expect(() => parseArch('mlp:40', { inputShape: [7] })).toThrow(/unknown kind "mlp"/);
    expect(() => parseArch('cnn:c4k3', { inputShape: [7] })).toThrow(/shape \[7\]/);
    expect(() => parseArch('cnn:c4k3,q9', { inputShape: [8, 8, 1] })).toThrow(/layer "q9"/);
    expect(() => parseArch('cnn:gap,c4k3', { inputShape: [8, 8, 1] })).toThrow(/"gap" needs/);
    expect(() => parseArch('cnn:c4k9', { inputShape: [8, 8, 1] })).toThrow(/leaves no output/);
    expect(() => parseArch('fcn:4', { inputShape: [7], activation: 'gelu' as never })).toThrow(/activation "gelu"/);
    expect(() => parseArch('fcn:4', { inputShape: [7], sigmaW: -1 })).toThrow(
      /sigmaW must be a positive number, got -1/,
    );
    expect(() =>
      validateSpec({ kind: 'fcn', inputDim: 3, hidden: [2.5], activation: 'relu', sigmaW: 1, sigmaB: 0, bias: false }),
    ).toThrow(/hidden contains 2.5/);
  });
});

describe('paramLayout', () => {
  it('lays out an FCN with prior scales σ_w/√fan_in and σ_b', () => {
    const spec = parseArch('fcn:40,40', { inputShape: [7], sigmaW: 2, sigmaB: 0.5 });
    const l = paramLayout(spec);
    expect(l.size).toBe(7 * 40 + 40 + 40 * 40 + 40 + 40 + 1);
    expect(l.tensors.map((t) => [t.name, t.shape, t.offset])).toEqual([
      ['W1', [40, 7], 0],
      ['b1', [40], 280],
      ['W2', [40, 40], 320],
      ['b2', [40], 1920],
      ['W3', [1, 40], 1960],
      ['b3', [1], 2000],
    ]);
    const s = paramScales(l);
    expect(s[0]).toBeCloseTo(2 / Math.sqrt(7), 15);
    expect(s[280]).toBe(0.5);
    expect(s[320]).toBeCloseTo(2 / Math.sqrt(40), 15);
  });

  it('omits biases when the spec has none, and uses kh·kw·C_in as a conv fan-in', () => {
    const spec = parseArch('cnn:c4k3,d5', { inputShape: [6, 6, 2], sigmaW: 1, sigmaB: 0 });
    const l = paramLayout(spec);
    expect(l.tensors.map((t) => [t.name, t.shape, t.fanIn])).toEqual([
      ['W1', [4, 3, 3, 2], 18],
      ['W2', [5, 64], 64],
      ['W3', [1, 5], 5],
    ]);
  });
});

describe('erf', () => {
  it('matches reference values (scipy/math.erf)', () => {
    const ref: [number, number][] = [
      [1e-8, 1.1283791670955126e-8],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
      [3, 0.9999779095030014],
      [3.5, 0.9999992569016276],
      [5, 0.9999999999984626],
      [-1.3, -0.9340079449406524],
    ];
    for (const [x, v] of ref) expect(Math.abs(erf(x) - v)).toBeLessThan(2e-16 + 2e-15 * Math.abs(v));
    expect(erf(0)).toBe(0);
  });
});

/** Naive one-net-at-a-time forward pass with nested arrays, written independently of the batched one. */
function naiveFcn(W: number[][][], b: number[][], x: number[], act: (v: number) => number): number {
  let h = x;
  for (let l = 0; l < W.length; l++) {
    const z = W[l].map((row, o) => row.reduce((s, w, k) => s + w * h[k], b[l][o]));
    h = l < W.length - 1 ? z.map(act) : z;
  }
  return h[0];
}

describe('forwardReference', () => {
  it('equals a naive one-net-at-a-time FCN for every activation', () => {
    const acts = {
      relu: (v: number) => Math.max(v, 0),
      tanh: Math.tanh,
      erf,
      step: (v: number) => (v > 0 ? 1 : 0),
    };
    const rng = new Rng(5, 'test');
    for (const [name, act] of Object.entries(acts)) {
      const spec = parseArch('fcn:6,5', { inputShape: [4], activation: name as never, sigmaW: 1.3, sigmaB: 0.7 });
      const dims = [4, 6, 5, 1];
      const nets = 3;
      const m = 9;
      const P = paramLayout(spec).size;
      const params = new Float64Array(nets * P).map(() => rng.normal());
      const X = new Float64Array(m * 4).map(() => rng.normal());
      const out = forwardReference(spec, params, nets, X, m);
      for (let n = 0; n < nets; n++) {
        // unpack this net's parameters by hand: W then b, layer by layer
        let o = n * P;
        const W: number[][][] = [];
        const b: number[][] = [];
        for (let l = 0; l < 3; l++) {
          W.push(Array.from({ length: dims[l + 1] }, () => Array.from({ length: dims[l] }, () => params[o++])));
          b.push(Array.from({ length: dims[l + 1] }, () => params[o++]));
        }
        for (let i = 0; i < m; i++) {
          const ref = naiveFcn(W, b, Array.from(X.subarray(i * 4, i * 4 + 4)), act);
          expect(out[n * m + i]).toBeCloseTo(ref, 12);
        }
      }
    }
  });

  it('computes a CNN that equals the hand-written convolution on a tiny example', () => {
    // 3x3x1 image, one 2x2 VALID conv with 1 channel, flatten (2x2=4), readout; relu.
    const spec: ArchSpec = parseArch('cnn:c1k2', { inputShape: [3, 3, 1], sigmaW: 1, sigmaB: 1 });
    const img = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const k = [1, -1, 0.5, 2]; // [ky][kx]
    const cb = -10;
    const ro = [1, 2, 3, 4];
    const rb = 0.25;
    const params = new Float64Array([...k, cb, ...ro, rb]);
    expect(paramLayout(spec).size).toBe(params.length);
    const conv = (y: number, x: number) =>
      Math.max(
        0,
        k[0] * img[y * 3 + x] +
          k[1] * img[y * 3 + x + 1] +
          k[2] * img[(y + 1) * 3 + x] +
          k[3] * img[(y + 1) * 3 + x + 1] +
          cb,
      );
    const feats = [conv(0, 0), conv(0, 1), conv(1, 0), conv(1, 1)];
    const expected = feats.reduce((s, f, i) => s + f * ro[i], rb);
    const out = forwardReference(spec, params, 1, new Float64Array(img), 1);
    expect(out[0]).toBeCloseTo(expected, 12);
  });

  it('handles SAME padding, strides and global average pooling', () => {
    // 4x4x2 input, conv 3 channels k3 s2 SAME -> 2x2x3 (TF pads 1 after, 0 before), gap -> 3, readout.
    const spec = parseArch('cnn:c3k3s2same,gap', { inputShape: [4, 4, 2], sigmaW: 1, sigmaB: 0 });
    const rng = new Rng(9, 'cnn');
    const P = paramLayout(spec).size;
    expect(P).toBe(3 * 3 * 3 * 2 + 3);
    const params = new Float64Array(P).map(() => rng.normal());
    const x = new Float64Array(32).map(() => rng.normal());
    const at = (y: number, xx: number, c: number) =>
      y < 4 && xx < 4 && y >= 0 && xx >= 0 ? x[(y * 4 + xx) * 2 + c] : 0;
    let expected = 0;
    for (let oc = 0; oc < 3; oc++) {
      let pooled = 0;
      for (let oy = 0; oy < 2; oy++) {
        for (let ox = 0; ox < 2; ox++) {
          let s = 0;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++)
              for (let c = 0; c < 2; c++)
                s += params[((oc * 3 + ky) * 3 + kx) * 2 + c] * at(oy * 2 + ky, ox * 2 + kx, c);
          pooled += Math.max(s, 0) / 4;
        }
      }
      expected += params[54 + oc] * pooled;
    }
    expect(forwardReference(spec, params, 1, x, 1)[0]).toBeCloseTo(expected, 12);
  });
});
