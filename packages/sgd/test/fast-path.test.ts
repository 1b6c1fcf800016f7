/**
 * What the fast path does with what it lacks: a code the wasm trainer has no
 * branch for traps (in each build), an optimiser without a wasm code never
 * reaches it (the js reference trains it, and provenance says why), and the
 * optimiser table says truly which hyperparameters each update reads.
 */
import { booleanDataset, type FcnSpec, parseArch, priorParams, Rng, splitBySize } from '@fsbayes/core';
import { describe, expect, it } from 'vitest';
import { chooseEngine, defaultParams, OPTIMIZERS, type OptimizerName, resolveConfig } from '../src/index.js';
import { createOptimizer, OPTIMIZER_TABLE, type OptimizerEntry } from '../src/optimizers.js';
import { sgdFmaSupport, WasmLaneTrainer } from '../src/wasm.js';
import { WASM_CODES } from '../src/wasm-codes.js';

const ds = booleanDataset({ n: 5 });
const split = splitBySize(ds, 16, 4);
const spec = parseArch('fcn:8,6', { inputShape: ds.shape, sigmaW: 1, sigmaB: 1 }) as FcnSpec;
const biasFree = parseArch('fcn:8,6', { inputShape: ds.shape, sigmaW: 1, sigmaB: 0 }) as FcnSpec;
/** Config slots of the wasm trainer (packages/sgd/wasm/config.ts). */
const C_LOSS = 7;
const C_OPT = 8;
const variants = sgdFmaSupport() ? (['simd', 'fma'] as const) : (['simd'] as const);
const slow = OPTIMIZERS.filter((o) => OPTIMIZER_TABLE[o].wasm === null);
const fast = OPTIMIZERS.filter((o) => OPTIMIZER_TABLE[o].wasm !== null);

/** A trainer whose group 0 holds 4 prior nets and one minibatch gradient. */
function trainerWithGradient(variant: 'simd' | 'fma') {
  const w = new WasmLaneTrainer(spec, resolveConfig({ batch: 4 }), split.train, split.test, { groups: 1, variant });
  const order = Int32Array.from({ length: split.train.m }, (_, i) => i);
  for (let l = 0; l < 4; l++) {
    w.loadLane(0, l, priorParams(spec, 7, l, 1));
    w.setOrder(0, l, new Rng(7, 'order', l).shuffle(order.slice()) as Int32Array);
  }
  w.raw.gradientOnly(0, 4);
  return w;
}

describe('wasm codes', () => {
  it('are distinct within each group, and OPT holds exactly the table’s fast-path optimisers with their codes', () => {
    for (const codes of Object.values(WASM_CODES)) {
      const v = Object.values(codes) as number[];
      expect(new Set(v).size).toBe(v.length);
      for (const c of v) expect(Number.isInteger(c) && c >= 0).toBe(true);
    }
    expect(Object.keys(WASM_CODES.OPT).sort()).toEqual([...fast].sort());
    for (const o of fast) expect(OPTIMIZER_TABLE[o].wasm?.code).toBe(WASM_CODES.OPT[o as keyof typeof WASM_CODES.OPT]);
  });

  for (const variant of variants) {
    it(`${variant} build: an optimiser code without a branch traps; every table code steps`, () => {
      const w = trainerWithGradient(variant);
      const slots = w.configSlots();
      const before = w.laneTheta(0, 0);
      for (const bad of [-1, Math.max(...Object.values(WASM_CODES.OPT)) + 1, 99]) {
        slots[C_OPT] = bad;
        expect(() => w.raw.stepOnly(0)).toThrow(/unreachable/);
        expect(w.laneTheta(0, 0)).toEqual(before); // trapped before touching θ
      }
      // the control: the codes the table knows each take a step (the trap is not the module failing anyway)
      for (const code of Object.values(WASM_CODES.OPT)) {
        slots[C_OPT] = code;
        const th = w.laneTheta(0, 0);
        w.raw.stepOnly(0);
        expect(w.laneTheta(0, 0)).not.toEqual(th);
      }
    });

    it(`${variant} build: a loss code without a branch traps; ce and mse give different gradients`, () => {
      const w = trainerWithGradient(variant);
      const slots = w.configSlots();
      const grads = Object.values(WASM_CODES.LOSS).map((code) => {
        slots[C_LOSS] = code;
        w.raw.gradientOnly(0, 4);
        return w.laneGrad(0, 0);
      });
      expect(grads[0]).not.toEqual(grads[1]);
      slots[C_LOSS] = Math.max(...Object.values(WASM_CODES.LOSS)) + 1;
      expect(() => w.raw.gradientOnly(0, 4)).toThrow(/unreachable/);
    });
  }
});

describe('an optimiser the wasm trainer lacks', () => {
  it('exists in the table (agd), so the checks below are not empty', () => {
    expect(slow).toContain('agd');
  });

  for (const name of slow) {
    it(`${name}: never reaches the wasm trainer; auto trains it on js and records why; --backend wasm refuses`, () => {
      const config = resolveConfig({ optimizer: name });
      expect(() => new WasmLaneTrainer(biasFree, config, split.train, split.test, { variant: 'simd' })).toThrow(
        new RegExp(`wasm trainer cannot train this: .*not ${name}`),
      );
      const auto = chooseEngine(biasFree, config);
      expect(auto.engine).toEqual({ kind: 'js' });
      expect(auto.backend).toEqual({
        name: 'js',
        precision: 'f64',
        reason: `the wasm trainer has optimizers ${fast.join(', ')}, not ${name}`,
      });
      expect(() => chooseEngine(biasFree, config, 'wasm')).toThrow(new RegExp(`--backend wasm .*not ${name}`));
      // asked for js: no reason to give
      expect(chooseEngine(biasFree, config, 'js').backend).toEqual({ name: 'js', precision: 'f64' });
    });
  }

  it('a name outside the table is refused by name everywhere, never run as code 0 (sgd)', () => {
    const config = { ...resolveConfig(), optimizer: 'nadam' as OptimizerName };
    expect(() => chooseEngine(spec, config)).toThrow(/unknown optimizer 'nadam'/);
    expect(() => new WasmLaneTrainer(spec, config, split.train, split.test, { variant: 'simd' })).toThrow(/not nadam/);
    expect(() => createOptimizer('nadam' as OptimizerName, config.params, 3)).toThrow(/unknown optimizer 'nadam'/);
  });

  it('an activation it lacks goes to js with the reason recorded; relu with a fast optimiser stays on wasm', () => {
    const tanh = parseArch('fcn:8,6', { inputShape: ds.shape, activation: 'tanh' }) as FcnSpec;
    expect(chooseEngine(tanh, resolveConfig()).backend).toEqual({
      name: 'js',
      precision: 'f64',
      reason: 'the wasm trainer has relu only, not tanh',
    });
    const wasm = chooseEngine(spec, resolveConfig());
    expect(wasm.engine.kind).toBe('wasm');
    expect(wasm.backend).not.toHaveProperty('reason');
  });
});

describe('the optimiser table', () => {
  /** Two reference steps from θ₀ = (1, −2) with fixed gradients. */
  function twoSteps(name: OptimizerName, entry: OptimizerEntry, p: ReturnType<typeof defaultParams>) {
    const blocks = [{ offset: 0, out: 1, in: 2 }];
    const opt = entry.reference(p, 2, blocks);
    const theta = Float64Array.from([1, -2]);
    for (const g of [
      [0.5, -1],
      [0.25, 0.5],
    ])
      opt.step(theta, Float64Array.from(g));
    expect(opt.name).toBe(name);
    return [...theta];
  }
  /** Another valid value for a hyperparameter. */
  const nudge = (v: number | boolean) => (typeof v === 'boolean' ? !v : v === 0 ? 0.1 : v / 2);

  for (const name of OPTIMIZERS) {
    it(`${name}: its update reads exactly the hyperparameters its entry lists`, () => {
      const entry = OPTIMIZER_TABLE[name] as OptimizerEntry;
      const base = { ...defaultParams(name), momentum: 0.5 }; // momentum on: Nesterov matters
      const ref = twoSteps(name, entry, base);
      for (const [k, v] of Object.entries(base)) {
        const other = twoSteps(name, entry, { ...base, [k]: nudge(v) });
        if (entry.reads.includes(k as keyof typeof base)) expect(other, k).not.toEqual(ref);
        else expect(other, k).toEqual(ref);
      }
    });
  }
});
