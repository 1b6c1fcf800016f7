/** Optimiser steps of a group, lane-wise (each lane its own step count). */

import { C_NESTEROV, C_OPT, C_P, C_T, F_B1, F_B2, F_DECAY, F_EPS, F_LR, F_MOM, F_RHO, F_WD, K } from './config';

// OPT_SGD, OPT_ADAM, …: the optimiser codes of packages/sgd/src/wasm-codes.ts, passed in by the build (asc --use).

/** A v128 of the 4 lanes' f32 values of f(t_lane). */
function perLane4(t0: f64, t1: f64, t2: f64, t3: f64): v128 {
  let v = f32x4.splat(<f32>t0);
  v = f32x4.replace_lane(v, 1, <f32>t1);
  v = f32x4.replace_lane(v, 2, <f32>t2);
  v = f32x4.replace_lane(v, 3, <f32>t3);
  return v;
}

// One SIMD loop per optimiser, alike in shape on purpose: each its paper's formula, and a function of its own compiles tightly in V8.

/** SGD over [0, end) bytes: g ← g + λθ; plain, heavy-ball or Nesterov momentum (a function of its own: V8 compiles it tightly). */
function sgdLoop(theta: usize, grad: usize, s1: usize, end: usize, vlr: v128, wdv: f32, muv: f32, nest: bool): void {
  const wd = f32x4.splat(wdv);
  const mu = f32x4.splat(muv);
  if (muv === 0) {
    for (let o: usize = 0; o < end; o += 16) {
      const th = v128.load(theta + o);
      const gk = f32x4.add(v128.load(grad + o), f32x4.mul(wd, th));
      v128.store(theta + o, f32x4.sub(th, f32x4.mul(vlr, gk)));
    }
    return;
  }
  for (let o: usize = 0; o < end; o += 16) {
    const th = v128.load(theta + o);
    const gk = f32x4.add(v128.load(grad + o), f32x4.mul(wd, th));
    const v = f32x4.sub(f32x4.mul(mu, v128.load(s1 + o)), f32x4.mul(vlr, gk));
    v128.store(s1 + o, v);
    const upd = nest ? f32x4.sub(f32x4.mul(mu, v), f32x4.mul(vlr, gk)) : v;
    v128.store(theta + o, f32x4.add(th, upd));
  }
}

function adamLoop(
  theta: usize,
  grad: usize,
  s1: usize,
  s2: usize,
  end: usize,
  c1: v128,
  c2: v128,
  b1: f32,
  b2: f32,
  eps: v128,
): void {
  const vb1 = f32x4.splat(b1);
  const vb1c = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2);
  const vb2c = f32x4.splat(1 - b2);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const m = f32x4.add(f32x4.mul(vb1, v128.load(s1 + o)), f32x4.mul(vb1c, gk));
    const v = f32x4.add(f32x4.mul(vb2, v128.load(s2 + o)), f32x4.mul(vb2c, f32x4.mul(gk, gk)));
    v128.store(s1 + o, m);
    v128.store(s2 + o, v);
    const den = f32x4.add(f32x4.sqrt(f32x4.mul(v, c2)), eps);
    v128.store(theta + o, f32x4.sub(v128.load(theta + o), f32x4.div(f32x4.mul(c1, m), den)));
  }
}

function adagradLoop(theta: usize, grad: usize, s1: usize, end: usize, lr: f32, eps: v128): void {
  const vlr = f32x4.splat(lr);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const G = f32x4.add(v128.load(s1 + o), f32x4.mul(gk, gk));
    v128.store(s1 + o, G);
    const den = f32x4.add(f32x4.sqrt(G), eps);
    v128.store(theta + o, f32x4.sub(v128.load(theta + o), f32x4.div(f32x4.mul(vlr, gk), den)));
  }
}

function rmspropLoop(theta: usize, grad: usize, s1: usize, end: usize, lr: f32, rhov: f32, eps: v128): void {
  const vlr = f32x4.splat(lr);
  const rho = f32x4.splat(rhov);
  const rhoc = f32x4.splat(1 - rhov);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const s = f32x4.add(f32x4.mul(rho, v128.load(s1 + o)), f32x4.mul(rhoc, f32x4.mul(gk, gk)));
    v128.store(s1 + o, s);
    const den = f32x4.add(f32x4.sqrt(s), eps);
    v128.store(theta + o, f32x4.sub(v128.load(theta + o), f32x4.div(f32x4.mul(vlr, gk), den)));
  }
}

function adadeltaLoop(
  theta: usize,
  grad: usize,
  s1: usize,
  s2: usize,
  end: usize,
  lr: f32,
  rhov: f32,
  eps: v128,
): void {
  const vlr = f32x4.splat(lr);
  const rho = f32x4.splat(rhov);
  const rhoc = f32x4.splat(1 - rhov);
  for (let o: usize = 0; o < end; o += 16) {
    const gk = v128.load(grad + o);
    const eg = f32x4.add(f32x4.mul(rho, v128.load(s1 + o)), f32x4.mul(rhoc, f32x4.mul(gk, gk)));
    const ex = v128.load(s2 + o);
    const dlt = f32x4.neg(f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(ex, eps)), f32x4.sqrt(f32x4.add(eg, eps))), gk));
    v128.store(s1 + o, eg);
    v128.store(s2 + o, f32x4.add(f32x4.mul(rho, ex), f32x4.mul(rhoc, f32x4.mul(dlt, dlt))));
    v128.store(theta + o, f32x4.add(v128.load(theta + o), f32x4.mul(vlr, dlt)));
  }
}

/** One optimiser step of group g (lane-wise; each lane's own step count t). */
export function optStep(g: i32, theta: usize, grad: usize): void {
  const P = K.i(C_P);
  const s1 = grad + ((<usize>P) << 4);
  const s2 = s1 + ((<usize>P) << 4);
  const tp = K.p(C_T) + ((<usize>g) << 4);
  const t0 = <f64>load<i32>(tp);
  const t1 = <f64>load<i32>(tp, 4);
  const t2 = <f64>load<i32>(tp, 8);
  const t3 = <f64>load<i32>(tp, 12);
  const opt = K.i(C_OPT);
  const lr = <f64>K.f(F_LR);
  const eps = f32x4.splat(K.f(F_EPS));
  const end = (<usize>P) << 4;
  if (opt === OPT_SGD) {
    const decay = <f64>K.f(F_DECAY);
    // η_t = η/(1 + decay·t), t = steps before this one
    const vlr = perLane4(lr / (1 + decay * t0), lr / (1 + decay * t1), lr / (1 + decay * t2), lr / (1 + decay * t3));
    sgdLoop(theta, grad, s1, end, vlr, K.f(F_WD), K.f(F_MOM), K.i(C_NESTEROV) !== 0);
  } else if (opt === OPT_ADAM) {
    const b1 = <f64>K.f(F_B1);
    const b2 = <f64>K.f(F_B2);
    // bias corrections with t = this step's number (t+1)
    const c1 = perLane4(
      lr / (1 - b1 ** (t0 + 1)),
      lr / (1 - b1 ** (t1 + 1)),
      lr / (1 - b1 ** (t2 + 1)),
      lr / (1 - b1 ** (t3 + 1)),
    );
    const c2 = perLane4(
      1 / (1 - b2 ** (t0 + 1)),
      1 / (1 - b2 ** (t1 + 1)),
      1 / (1 - b2 ** (t2 + 1)),
      1 / (1 - b2 ** (t3 + 1)),
    );
    adamLoop(theta, grad, s1, s2, end, c1, c2, <f32>b1, <f32>b2, eps);
  } else if (opt === OPT_ADAGRAD) {
    adagradLoop(theta, grad, s1, end, <f32>lr, eps);
  } else if (opt === OPT_RMSPROP) {
    rmspropLoop(theta, grad, s1, end, <f32>lr, K.f(F_RHO), eps);
  } else if (opt === OPT_ADADELTA) {
    adadeltaLoop(theta, grad, s1, s2, end, <f32>lr, K.f(F_RHO), eps);
  } else {
    unreachable(); // a code without a branch here: trap, never train as another optimiser
  }
  store<i32>(tp, load<i32>(tp) + 1);
  store<i32>(tp, load<i32>(tp, 4) + 1, 4);
  store<i32>(tp, load<i32>(tp, 8) + 1, 8);
  store<i32>(tp, load<i32>(tp, 12) + 1, 12);
}
