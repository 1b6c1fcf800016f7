/**
 * Lockstep training of fully connected ReLU nets, four nets per SIMD vector.
 *
 * A "group" is 4 nets ("lanes") of one spec. Every array of a group is
 * lane-interleaved f32: value k of lane l sits at byte 16k + 4l, so one v128
 * holds the same parameter (or activation) of the 4 nets and every operation
 * is lane-wise: a lane's arithmetic never depends on the other lanes, so a
 * run gives the same result in whichever lane (or thread) it trains. Each
 * lane has its own minibatch order (`perm`), labels and step count.
 *
 * Per group at base + g·stride: θ [P×4], grad [P×4], s1 [P×4], s2 [P×4]
 * (optimiser state), in core's paramLayout order. The JS glue
 * (`src/wasm.ts`) owns the memory layout and writes the configuration block.
 *
 * This file holds the module's entry points; config.ts the configuration
 * block, rows.ts the minibatch gathers, forward.ts / backward.ts the passes,
 * optimizers.ts the update rules.
 */

import { backward, lossGrad } from './backward';
import { convBackward, convForward } from './cnn';
import {
  C_BATCH,
  C_CAP,
  C_GBASE,
  C_GSTRIDE,
  C_L,
  C_ME,
  C_MS,
  C_NCONV,
  C_P,
  C_XE,
  C_XS,
  C_YS,
  C_Z,
  F_THR,
  K,
} from './config';
import { forward } from './forward';
import { optStep } from './optimizers';
import { broadcastRows, gatherBatch } from './rows';

// The configuration block's entry points, exported by the module.
export { heapBase, setConfig } from './config';

/** The whole net's forward pass on the n rows gathered: the conv stack (a CNN), then the dense layers. */
function netForward(theta: usize, n: i32): void {
  if (K.i(C_NCONV) > 0) convForward(theta, n);
  forward(theta, n);
}

/** The whole net's backward pass of the last forward batch: grad ← ∂(mean loss)/∂θ. */
function netBackward(theta: usize, grad: usize, n: i32): void {
  backward(theta, grad, n);
  if (K.i(C_NCONV) > 0) convBackward(theta, grad, n);
}

function groupTheta(g: i32): usize {
  return K.p(C_GBASE) + <usize>g * K.p(C_GSTRIDE);
}

/** Lanes of group g (bits 0–3) whose net classifies every point of S correctly. */
export function fitMask(g: i32): i32 {
  const theta = groupTheta(g);
  const mS = K.i(C_MS);
  const cap = K.i(C_CAP);
  const L = K.i(C_L);
  const thr = K.f(F_THR);
  const ys = K.p(C_YS);
  const z = K.p(C_Z + L - 1);
  let good = 15;
  // Small chunks: most epochs end with every lane still misclassifying some point, found in the first rows.
  const chunk = min(cap, 8);
  for (let from = 0; from < mS; from += chunk) {
    const n = min(chunk, mS - from);
    broadcastRows(K.p(C_XS), from, n);
    netForward(theta, n);
    for (let s = 0; s < n; s++) {
      const y = load<f32>(ys + ((<usize>(from + s)) << 2)) > 0.5;
      for (let l = 0; l < 4; l++) {
        const p = load<f32>(z + ((<usize>s) << 4) + ((<usize>l) << 2)) > thr;
        if (p !== y) good &= ~(1 << l);
      }
    }
    if (good === 0) break;
  }
  return good;
}

/** One epoch of group g in the order at perm[g] (batches of `batch`, the last may be short); returns fitMask. */
export function trainEpoch(g: i32): i32 {
  const theta = groupTheta(g);
  const grad = theta + ((<usize>K.i(C_P)) << 4);
  const mS = K.i(C_MS);
  const batch = K.i(C_BATCH);
  for (let from = 0; from < mS; from += batch) {
    const n = min(batch, mS - from);
    gatherBatch(g, from, n);
    netForward(theta, n);
    lossGrad(n);
    netBackward(theta, grad, n);
    optStep(g, theta, grad);
  }
  return fitMask(g);
}

/** For tests: the gradient of the first n rows of perm[g] into grad, without a step. */
export function gradientOnly(g: i32, n: i32): void {
  const theta = groupTheta(g);
  gatherBatch(g, 0, n);
  netForward(theta, n);
  lossGrad(n);
  netBackward(theta, theta + ((<usize>K.i(C_P)) << 4), n);
}

/** For tests: one optimiser step of group g from the gradient already in grad. */
export function stepOnly(g: i32): void {
  const theta = groupTheta(g);
  optStep(g, theta, theta + ((<usize>K.i(C_P)) << 4));
}

/** Readouts of group g's 4 nets on every point of E into out ([mE × 4] f32). */
export function outputsE(g: i32, out: usize): void {
  const theta = groupTheta(g);
  const mE = K.i(C_ME);
  const cap = K.i(C_CAP);
  const L = K.i(C_L);
  const z = K.p(C_Z + L - 1);
  for (let from = 0; from < mE; from += cap) {
    const n = min(cap, mE - from);
    broadcastRows(K.p(C_XE), from, n);
    netForward(theta, n);
    memory.copy(out + ((<usize>from) << 4), z, (<usize>n) << 4);
  }
}
