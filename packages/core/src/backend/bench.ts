/**
 * Speed probe of the wasm backend (not a test): prior sampling + forward
 * (nets/s) for 7→40→40→1 relu on the 128 Boolean inputs and 784→128→128→1
 * relu on 1,000 random 784-dim inputs, per kernel build, precision and
 * thread count. Reports the best of several repetitions (this VM's
 * run-to-run noise is large) and the median.
 *
 *   node packages/core/dist/backend/bench.js [--quick]
 */
import { pathToFileURL } from 'node:url';
import type { FcnSpec } from '../arch/spec.js';
import { Rng } from '../rng/rng.js';
import { fmaSupport, type KernelVariant } from './kernels.js';
import { WasmBackend } from './wasm.js';

/** Inputs 0..2^n−1 as n binary digits (MSB first), as 0/1. */
export function booleanInputs(n: number): Float64Array {
  const m = 2 ** n;
  const x = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let k = 0; k < n; k++) x[i * n + k] = (i >> (n - 1 - k)) & 1;
  return x;
}

interface Case {
  name: string;
  spec: FcnSpec;
  inputs: Float64Array;
  m: number;
  nets: number;
}

async function run(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const reps = quick ? 3 : 7;
  const relu = { activation: 'relu', sigmaW: 1, sigmaB: 1, bias: true } as const;
  const rng = new Rng(0, 'bench-inputs');
  const mnistLike = new Float64Array(1000 * 784);
  for (let i = 0; i < mnistLike.length; i++) mnistLike[i] = rng.uniform();
  const cases: Case[] = [
    {
      name: '7→40→40→1 relu, 128 inputs',
      spec: { kind: 'fcn', inputDim: 7, hidden: [40, 40], ...relu },
      inputs: booleanInputs(7),
      m: 128,
      nets: 8192,
    },
    {
      name: '784→128→128→1 relu, 1000 inputs',
      spec: { kind: 'fcn', inputDim: 784, hidden: [128, 128], ...relu },
      inputs: mnistLike,
      m: 1000,
      nets: quick ? 16 : 48,
    },
  ];
  const variants: KernelVariant[] = fmaSupport().ok ? ['fma', 'simd'] : ['simd'];
  console.log(`| case | build | precision | threads | best nets/s | median nets/s |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const c of cases) {
    for (const variant of variants) {
      for (const precision of ['f32', 'f64'] as const) {
        for (const threads of [1, 2]) {
          const b = await WasmBackend.create({ threads, precision, variant });
          const job = { spec: c.spec, inputs: c.inputs, m: c.m, seed: 1 };
          await b.priorFunctions({ ...job, first: 0, count: Math.min(c.nets, 512) });
          const rates: number[] = [];
          for (let r = 0; r < reps; r++) {
            const t0 = performance.now();
            await b.priorFunctions({ ...job, first: r * c.nets, count: c.nets });
            rates.push((c.nets / (performance.now() - t0)) * 1000);
          }
          await b.close();
          rates.sort((a, z) => a - z);
          const best = Math.round(rates[rates.length - 1]);
          const median = Math.round(rates[rates.length >> 1]);
          console.log(`| ${c.name} | ${variant} | ${precision} | ${threads} | ${best} | ${median} |`);
        }
      }
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
