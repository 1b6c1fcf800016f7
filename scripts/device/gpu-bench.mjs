#!/usr/bin/env node
/**
 * Proves and times the gpu.js backend (packages/core/src/backend/gpu.ts) on a
 * machine with a GPU: which gpu.js mode and adapter came up, correctness
 * against the float64 reference on a few nets, and nets/s for prior function
 * sampling of 7→40→40→1 ReLU nets on the 128 Boolean inputs and of
 * 784→128→128→1 ReLU nets on 1000 random inputs, at a few batch sizes.
 *
 * Plain JS on the built @fsbayes/core (no build needed where it runs): from
 * .device/app/core (packed by scripts/device/pack.sh) when present, else
 * packages/core (after `pnpm build`).
 *
 *   node scripts/device/gpu-bench.mjs [--out FILE] [--mode MODE] [--quick] [--budget S] [--core DIR]
 *
 * --mode: gpu.js mode override ('webgpu' accepts software adapters, 'cpu' is
 * the CPU stand-in); left out, only a hardware GPU is accepted, and if none
 * is found the webgpu adapter that is there (if any) is still reported.
 * --quick: small sizes (for software adapters). --budget: seconds after which
 * the remaining timing steps are skipped (default 120). Every step prints
 * what it does; a failed step prints its error and the next one runs. The
 * JSON of results (default $OUT/gpu-bench.json) is rewritten after each step.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
};
const quick = argv.includes('--quick');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const packed = path.join(root, '.device/app/core');
const core = path.resolve(
  opt('core', existsSync(path.join(packed, 'dist')) ? packed : path.join(root, 'packages/core')),
);
const outFile = opt('out', process.env.OUT ? path.join(process.env.OUT, 'gpu-bench.json') : '');
const budgetMs = Number(opt('budget', '120')) * 1000;
const mode = opt('mode', undefined);

const t0 = performance.now();
const elapsed = () => ((performance.now() - t0) / 1000).toFixed(1);
const log = (...a) => console.log(`[${elapsed()}s]`, ...a);
const results = {
  started: new Date().toISOString(),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
  cpus: availableParallelism(),
  core,
  quick,
  mode: mode ?? 'hardware only',
  backend: null,
  steps: [],
  summary: [],
};
const save = () => {
  if (!outFile) return;
  try {
    writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  } catch (e) {
    console.log(`cannot write ${outFile}: ${e.message}`);
  }
};
let failures = 0;

/** Run one step: print, time, catch, record. Skipped when the time budget is spent. */
async function step(name, fn, { timing = false } = {}) {
  if (timing && performance.now() - t0 > budgetMs) {
    log(`--- ${name}: SKIPPED (time budget of ${budgetMs / 1000} s spent)`);
    results.steps.push({ name, skipped: 'budget' });
    save();
    return undefined;
  }
  log(`--- ${name}`);
  const s = performance.now();
  try {
    const r = await fn();
    const ms = Math.round(performance.now() - s);
    results.steps.push({ name, ok: true, ms, ...(r ?? {}) });
    log(`    ok (${ms} ms)${r ? ` ${JSON.stringify(r)}` : ''}`);
    return r ?? {};
  } catch (e) {
    failures++;
    results.steps.push({ name, ok: false, error: String(e?.stack ?? e) });
    log(`    FAILED: ${e?.stack ?? e}`);
    return undefined;
  } finally {
    save();
  }
}

const imp = (rel) => import(pathToFileURL(path.join(core, rel)).href);

log(`gpu-bench: node ${process.version}, core ${core}, out ${outFile || '(none)'}, budget ${budgetMs / 1000} s`);
for (const k of ['VK_DRIVER_FILES', 'VK_ICD_FILENAMES', 'LD_LIBRARY_PATH']) {
  if (process.env[k]) log(`${k}=${process.env[k]}`);
}

let gpuMod;
let arch;
let backendIndex;
await step('import @fsbayes/core (dist)', async () => {
  gpuMod = await imp('dist/backend/gpu.js');
  arch = await imp('dist/arch/index.js');
  backendIndex = await imp('dist/backend/index.js');
  return { priorParams: typeof backendIndex.priorParams };
});
if (!gpuMod) {
  log('cannot go on without the core build');
  process.exit(2);
}

// --- the backend -----------------------------------------------------------
let be = null;
let softwareOnly = false; // the hardware-only constructor failed; measuring a webgpu adapter that is no GPU
await step(`createGpuBackend(${mode ? `{ mode: '${mode}' }` : ''})`, async () => {
  be = await gpuMod.createGpuBackend(mode ? { mode } : {});
  results.backend = be.info;
  return { info: be.info };
});
if (!be && !mode) {
  // no hardware GPU: say what webgpu adapter there is, if any, and go on with it
  await step("diagnosis: createGpuBackend({ mode: 'webgpu' }) (software adapters allowed)", async () => {
    be = await gpuMod.createGpuBackend({ mode: 'webgpu' });
    softwareOnly = true;
    results.backend = { ...be.info, note: 'NOT a hardware GPU: the hardware-only constructor failed' };
    return { info: be.info };
  });
}
if (!be) {
  log('no backend: nothing to measure');
  results.summary.push('no gpu backend could be created (see steps)');
  save();
  process.exit(1);
}

await step('device limits (gpu.js WebGPUContext)', async () => {
  if (!be.info.detail.startsWith('gpu.js webgpu')) return { skipped: 'not webgpu' };
  const { createRequire } = await import('node:module');
  const gjs = createRequire(path.join(core, 'dist/backend/gpu.js'))('gpu.js');
  const ctx = await gjs.WebGPUContext.acquire();
  const l = ctx.device.limits;
  const info = ctx.adapter?.info ?? {};
  return {
    adapter: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
    },
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
  };
});

// --- helpers -----------------------------------------------------------------
const fcn = (inputDim, hidden, activation, sigmaB = 1, sigmaW = 1) => ({
  kind: 'fcn',
  inputDim,
  hidden,
  activation,
  sigmaW,
  sigmaB,
  bias: sigmaB !== 0,
});
const describe = (s) => `${[s.inputDim, ...s.hidden, 1].join('→')} ${s.activation}${s.bias ? '' : ' nobias'}`;
const cube = (d) => {
  const m = 2 ** d;
  const x = new Float64Array(m * d);
  for (let i = 0; i < m; i++) for (let k = 0; k < d; k++) x[i * d + k] = (i >> k) & 1 ? 1 : -1;
  return x;
};
const uniformInputs = (m, d, seed) => {
  let s = seed >>> 0 || 1;
  const x = new Float64Array(m * d);
  for (let k = 0; k < x.length; k++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[k] = (s >>> 0) / 2 ** 31 - 1;
  }
  return x;
};
const P = (spec) => arch.paramLayout(spec).size;
/** float32 parameters of n nets: k nets from the canonical sampler, repeated. */
const tiledParams = (spec, n, k) => {
  const p = P(spec);
  const base = backendIndex.priorParams(spec, 7, 0, Math.min(k, n));
  const f = new Float32Array(n * p);
  f.set(base);
  for (let have = base.length; have < f.length; have *= 2) f.copyWithin(have, 0, Math.min(have, f.length - have));
  return f;
};
const flopsPerNet = (spec, m) => {
  const w = [spec.inputDim, ...spec.hidden, 1];
  let s = 0;
  for (let l = 1; l < w.length; l++) s += w[l - 1] * w[l];
  return 2 * m * s;
};
/** max over nets of max|a−b| / max|b|. */
const relErr = (a, b, nets, m) => {
  let worst = 0;
  for (let n = 0; n < nets; n++) {
    let scale = 0;
    let err = 0;
    for (let i = 0; i < m; i++) {
      scale = Math.max(scale, Math.abs(b[n * m + i]));
      err = Math.max(err, Math.abs(a[n * m + i] - b[n * m + i]));
    }
    worst = Math.max(worst, err / Math.max(scale, 1e-30));
  }
  return worst;
};
/** Bits vs reference pre-activations: flip fraction, and flips whose |ref| is not near zero. */
const bitCheck = (words, ref, nets, m) => {
  const wpn = Math.ceil(m / 32);
  let flips = 0;
  let farFlips = 0;
  for (let n = 0; n < nets; n++) {
    let scale = 0;
    for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(ref[n * m + i]));
    for (let i = 0; i < m; i++) {
      const bit = (words[n * wpn + (i >>> 5)] >>> (i & 31)) & 1;
      if (bit !== (ref[n * m + i] > 0 ? 1 : 0)) {
        flips++;
        if (Math.abs(ref[n * m + i]) > 1e-4 * scale) farFlips++;
      }
    }
  }
  return { flipFraction: flips / (nets * m), flips, farFlips };
};
const bitsDiffer = (a, b) => {
  let d = 0;
  for (let k = 0; k < a.length; k++) {
    let x = (a[k] ^ b[k]) >>> 0;
    while (x) {
      x &= x - 1;
      d++;
    }
  }
  return d;
};
const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(1));

/** Same kind of backend as the main one (sharing its device), with other options, as `be` during `fn`. */
const modeOpt = mode ? { mode } : softwareOnly ? { mode: 'webgpu' } : {};
async function withBackend(opts, fn) {
  const b = await gpuMod.createGpuBackend({ ...modeOpt, ...opts });
  const main = be;
  be = b;
  try {
    return await fn(b);
  } finally {
    be = main;
    await b.close();
  }
}

// --- correctness -------------------------------------------------------------
const checks = [
  [fcn(7, [40, 40], 'relu'), 16, 128],
  [fcn(5, [16, 8], 'erf', 0.5), 8, 45],
  [fcn(4, [12], 'tanh', 0), 8, 20],
  [fcn(6, [10, 10], 'step'), 8, 64],
  [fcn(9, [], 'relu'), 8, 50],
  [fcn(784, [128, 128], 'relu'), quick ? 2 : 4, quick ? 64 : 200],
];
for (const [spec, nets, m] of checks) {
  await step(`correctness ${describe(spec)}: ${nets} nets × ${m} inputs vs float64 reference`, async () => {
    const x = m === 128 && spec.inputDim === 7 ? cube(7) : uniformInputs(m, spec.inputDim, 99);
    const p = backendIndex.priorParams(spec, 1, 0, nets);
    const ref = arch.forwardReference(spec, p, nets, x, m);
    const out = await be.forward(spec, p, nets, x, m);
    const words = await be.functionBits(spec, p, nets, x, m);
    const pf = await be.priorFunctions({ spec, inputs: x, m, seed: 1, first: 0, count: nets });
    const rel = relErr(out, ref, nets, m);
    const bits = bitCheck(words, ref, nets, m);
    const same = bitsDiffer(pf, words) === 0;
    const ok = rel < 1e-4 && bits.farFlips === 0 && same;
    if (!ok)
      throw new Error(`mismatch: maxRelErr ${rel}, bits ${JSON.stringify(bits)}, priorFunctions==functionBits ${same}`);
    results.summary.push(
      `correct ${describe(spec)}: max rel err ${rel.toExponential(2)}, flips ${bits.flips}/${nets * m}`,
    );
    return { maxRelErr: rel, ...bits, priorFunctionsMatches: same };
  });
}

await step('correctness, untiled programs (tile 1): 7→40→40→1 relu and 5→16→8→1 erf', () =>
  withBackend({ tile: 1 }, async (b) => {
    const out = {};
    for (const [spec, nets, m] of [checks[0], checks[1]]) {
      const x = m === 128 && spec.inputDim === 7 ? cube(7) : uniformInputs(m, spec.inputDim, 99);
      const p = backendIndex.priorParams(spec, 1, 0, nets);
      const ref = arch.forwardReference(spec, p, nets, x, m);
      const rel = relErr(await b.forward(spec, p, nets, x, m), ref, nets, m);
      const bits = bitCheck(await b.functionBits(spec, p, nets, x, m), ref, nets, m);
      if (rel > 1e-4 || bits.farFlips > 0) throw new Error(`${describe(spec)}: ${rel} ${JSON.stringify(bits)}`);
      out[describe(spec)] = { maxRelErr: rel, ...bits };
    }
    return out;
  }),
);

// --- throughput ----------------------------------------------------------------
const line = (text) => {
  results.summary.push(text);
  log(`    ${text}`);
};
const rateLine = (label, spec, m, n, sec, st) => {
  const rate = n / sec;
  const gflops = (flopsPerNet(spec, m) * rate) / 1e9;
  const extra = st
    ? `, batch ${st.batchNets}, host ${Math.round(st.hostMs)} ms, gpu wait ${Math.round(st.waitMs)} ms`
    : '';
  line(
    `${label}: ${fmt(rate)} nets/s (${sec.toFixed(3)} s for ${n} nets, ${gflops.toFixed(gflops < 10 ? 2 : 0)} GFLOP/s${extra})`,
  );
  return { netsPerSec: rate, seconds: sec, nets: n, gflops, stats: st ?? null };
};

/** Time one backend call on n nets, after a warm-up call (programs built). */
async function timed(label, spec, m, n, fn, warm) {
  await warm();
  const s = performance.now();
  const result = await fn();
  return { result, out: rateLine(label, spec, m, n, (performance.now() - s) / 1000, be.stats) };
}

const BIG = 2 ** 31 - 4096; // per-buffer cap for the large batches (the device's own limits still apply)

/** GPU-only throughput: the program chain on parameters uploaded once. */
async function programsOnly(tag, spec, m, N, B, tile, extra = {}) {
  return step(
    `${tag}: programs only, ${describe(spec)}, ${m} inputs, batch ≤ ${B}, tile ${tile}`,
    () =>
      withBackend({ maxBufferBytes: BIG, tile, ...extra }, async () => {
        const reps = Math.max(2, Math.ceil(N / B));
        const t = await be.programTime(spec, m, B, reps);
        const out = rateLine(
          `${tag} programs only B=${t.batchNets} tile ${tile}`,
          spec,
          m,
          reps * t.batchNets,
          t.ms / 1000,
        );
        return { ...out, batchNets: t.batchNets, reps };
      }),
    { timing: true },
  );
}

// A: 7→40→40→1 relu on the 128 Boolean inputs
const specA = fcn(7, [40, 40], 'relu');
const mA = 128;
const NA = quick ? 4096 : 100_000;
{
  const spec = specA;
  const m = mA;
  const x = cube(7);
  const N = NA;
  for (const [B, tile] of quick
    ? [
        [4096, 4],
        [4096, 1],
      ]
    : [
        [16384, 4],
        [65535, 4],
        [16384, 1],
      ]) {
    await programsOnly('A', spec, m, N, B, tile);
  }
  let f32 = null;
  let gpuBits = null;
  await step(`A: prepare ${N} float32 nets (1000 canonical nets, repeated)`, async () => {
    f32 = tiledParams(spec, N, 1000);
    return { bytes: f32.byteLength };
  });
  for (const B of quick ? [1024, 4096] : [4096, 16384, 65535]) {
    await step(
      `A: functionBits (upload + programs + readback) ${describe(spec)}, ${m} inputs, ${N} nets, batch ≤ ${B}`,
      () =>
        withBackend({ maxBatch: B, maxBufferBytes: BIG }, async () => {
          const r = await timed(
            `A bits end-to-end B=${B}`,
            spec,
            m,
            N,
            () => be.functionBits(spec, f32, N, x, m),
            () => be.functionBits(spec, f32, Math.min(B, N), x, m),
          );
          return r.out;
        }),
      { timing: true },
    );
  }
  await step(
    `A: forward (pre-activations read back) ${describe(spec)}, ${N} nets, batch ≤ 16384`,
    () =>
      withBackend({ maxBatch: 16384, maxBufferBytes: BIG }, async () => {
        const r = await timed(
          'A forward end-to-end B=16384',
          spec,
          m,
          N,
          () => be.forward(spec, f32, N, x, m),
          () => be.forward(spec, f32, Math.min(16384, N), x, m),
        );
        return r.out;
      }),
    { timing: true },
  );
  f32 = null;
  const NP = quick ? 2048 : 50_000;
  await step(
    `A: priorFunctions (canonical CPU sampler + GPU) ${describe(spec)}, ${NP} nets`,
    async () => {
      const job = { spec, inputs: x, m, seed: 5, first: 0, count: NP };
      const r = await timed(
        'A priorFunctions (CPU sampling bound)',
        spec,
        m,
        NP,
        () => be.priorFunctions(job),
        () => be.priorFunctions({ ...job, count: 256 }),
      );
      gpuBits = { job, words: r.result };
      return r.out;
    },
    { timing: true },
  );
  await step(
    `A: baseline wasm backend (${availableParallelism()} threads) priorFunctions, same nets, bits compared`,
    async () => {
      if (!gpuBits) return { skipped: 'no gpu result' };
      const wasm = await backendIndex.getBackend('wasm', { threads: availableParallelism() });
      try {
        await wasm.priorFunctions({ ...gpuBits.job, count: 256 });
        const s = performance.now();
        const w = await wasm.priorFunctions(gpuBits.job);
        const sec = (performance.now() - s) / 1000;
        const differ = bitsDiffer(w, gpuBits.words);
        const out = rateLine(`A wasm baseline priorFunctions (${wasm.info.detail})`, spec, m, NP, sec);
        line(`A bits differing, wasm vs gpu: ${differ} of ${NP * m}`);
        return { info: wasm.info, ...out, bitsDiffering: differ, bits: NP * m };
      } finally {
        await wasm.close();
      }
    },
    { timing: true },
  );
}

// Multi-batch correctness: many small batches (not multiples of 256) against the
// float64 wasm backend on the same canonical nets, for bits and for forward.
await step('multi-batch correctness: 7→40→40→1 relu, 6000 nets in batches of ≤ 1000 vs wasm f64', () =>
  withBackend({ maxBatch: 1000 }, async (g) => {
    const spec = fcn(7, [40, 40], 'relu');
    const x = cube(7);
    const job = { spec, inputs: x, m: 128, seed: 11, first: 300, count: 6000 };
    const wasm = await backendIndex.getBackend('wasm', { precision: 'f64' });
    try {
      const gb = await g.priorFunctions(job);
      const wb = await wasm.priorFunctions(job);
      const params = backendIndex.priorParams(spec, 11, 300, 3000);
      const gf = await g.forward(spec, params, 3000, x, 128);
      const wf = await wasm.forward(spec, params, 3000, x, 128);
      let maxErr = 0;
      // float32 against float64: relative error floored at 1e-3 so near-zero outputs do not dominate
      for (let i = 0; i < gf.length; i++) maxErr = Math.max(maxErr, Math.abs(gf[i] - wf[i]) / (1e-3 + Math.abs(wf[i])));
      const differ = bitsDiffer(gb, wb);
      line(
        `multi-batch: bits differing ${differ} of ${6000 * 128}; forward max rel err ${maxErr.toExponential(2)} (${g.stats ? g.stats.batches : '?'} batches)`,
      );
      if (differ > 10 || maxErr > 1e-3)
        throw new Error(`multi-batch results wrong: ${differ} bits differ, max rel err ${maxErr}`);
      return { bitsDiffering: differ, bits: 6000 * 128, forwardMaxRelErr: maxErr };
    } finally {
      await wasm.close();
    }
  }),
);

// B: 784→128→128→1 relu on 1000 random inputs
const specB = fcn(784, [128, 128], 'relu');
const mB = quick ? 100 : 1000;
const NB = quick ? 64 : 4096;
{
  const spec = specB;
  const m = mB;
  const x = uniformInputs(m, 784, 5);
  const N = NB;
  for (const [B, tile] of quick
    ? [
        [32, 4],
        [32, 1],
      ]
    : [
        [256, 4],
        [1024, 4],
        [1024, 1],
      ]) {
    await programsOnly('B', spec, m, N, B, tile);
  }
  let f32 = null;
  await step(`B: prepare ${N} float32 nets (64 canonical nets, repeated)`, async () => {
    f32 = tiledParams(spec, N, 64);
    return { bytes: f32.byteLength };
  });
  for (const B of quick ? [16, 64] : [256, 1024, 2048]) {
    await step(
      `B: functionBits (upload + programs + readback) ${describe(spec)}, ${m} inputs, ${N} nets, batch ≤ ${B}`,
      () =>
        withBackend({ maxBatch: B, maxBufferBytes: BIG }, async () => {
          const r = await timed(
            `B bits end-to-end B=${B}`,
            spec,
            m,
            N,
            () => be.functionBits(spec, f32, N, x, m),
            () => be.functionBits(spec, f32, Math.min(B, N), x, m),
          );
          return r.out;
        }),
      { timing: true },
    );
  }
  f32 = null;
  const NP = quick ? 16 : 512;
  await step(
    `B: priorFunctions (canonical CPU sampler + GPU) ${describe(spec)}, ${NP} nets`,
    async () => {
      const job = { spec, inputs: x, m, seed: 5, first: 0, count: NP };
      const r = await timed(
        'B priorFunctions (CPU sampling bound)',
        spec,
        m,
        NP,
        () => be.priorFunctions(job),
        () => be.priorFunctions({ ...job, count: 8 }),
      );
      return r.out;
    },
    { timing: true },
  );
}

// --- NNGP kernel on the GPU (float32 entries, exact float64 diagonal) vs float64 wasm on the CPU
await step(
  `NNGP kernel fcn:128,128 relu: N = ${quick ? 500 : 4000} inputs of dimension 784, gpu vs CPU float64`,
  async () => {
    const linalg = await imp('dist/linalg/index.js');
    // The kernel formulas and their GPU source are nngp's (packages/nngp/dist, next to core's build).
    const nngpDist = path.join(core, '../nngp/dist/kernels/index.js');
    if (!existsSync(nngpDist)) throw new Error(`@fsbayes/nngp is not built or not packed next to core (${nngpDist})`);
    const nngp = await import(pathToFileURL(nngpDist).href);
    const device = nngp.kernelDeviceOf(be);
    const N = quick ? 500 : 4000;
    const d = 784;
    const X = uniformInputs(N, d, 7);
    const p = { hidden: 2, activation: 'relu', sigmaW: 1.41, sigmaB: 0.1, bias: true };
    await device.fcnKernel(X.subarray(0, 64 * d), 64, d, p); // compile
    let t = performance.now();
    const g = await device.fcnKernel(X, N, d, p);
    const gpuMs = performance.now() - t;
    t = performance.now();
    const c = nngp.fcnKernel(X, N, d, p);
    const cpuMs = performance.now() - t;
    let worst = 0;
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const scale = Math.sqrt(c.nngp[i * N + i] * c.nngp[j * N + j]);
        worst = Math.max(worst, Math.abs(g.nngp[i * N + j] - c.nngp[i * N + j]) / scale);
      }
    if (!(worst < 1e-4)) throw new Error(`gpu kernel differs from float64 by ${worst}`);
    results.summary.push(
      `NNGP kernel N=${N} d=784: gpu ${gpuMs.toFixed(0)} ms, CPU float64 (${linalg.linalgInfo?.().threads ?? '?'} threads) ${cpuMs.toFixed(0)} ms, max rel err ${worst.toExponential(2)}`,
    );
    return { N, gpuMs, cpuMs, maxRelErr: worst };
  },
  { timing: true },
);

await step('close', async () => {
  await be.close();
});

// Dawn with robustness (bounds clamping on every buffer access) off: a fresh Dawn instance.
if (be.info.detail.startsWith('gpu.js webgpu')) {
  const flags = ['enable-dawn-features=disable_robustness'];
  const extra = { dawnFlags: flags };
  await step(`Dawn ${flags.join(' ')}: correctness 7→40→40→1 relu`, () =>
    withBackend(extra, async () => {
      const spec = specA;
      const x = cube(7);
      const p = backendIndex.priorParams(spec, 1, 0, 16);
      const ref = arch.forwardReference(spec, p, 16, x, 128);
      const rel = relErr(await be.forward(spec, p, 16, x, 128), ref, 16, 128);
      if (rel > 1e-4) throw new Error(`max rel err ${rel}`);
      return { maxRelErr: rel, info: be.info };
    }),
  );
  await programsOnly('A (robustness off)', specA, mA, NA, quick ? 4096 : 16384, 4, extra);
  await programsOnly('B (robustness off)', specB, mB, NB, quick ? 32 : 1024, 4, extra);
}

results.finished = new Date().toISOString();
results.seconds = Number(elapsed());
results.failures = failures;
save();
log('=== summary');
log(`backend: ${JSON.stringify(results.backend)}`);
for (const s of results.summary) log(`  ${s}`);
log(`${failures} failed step(s); ${results.seconds} s`);
// Dawn's instance can keep Node alive; the results are written.
process.exit(failures > 0 ? 1 : 0);
