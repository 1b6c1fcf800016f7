/**
 * What training takes in memory, estimated before any trainer is built, so
 * a net that cannot fit (e.g. `fcn:100000,100000`) is refused at once with
 * the estimate and the limit (core's `checkMemory`) instead of failing in a
 * worker with "Unable to grow instance memory".
 */
import { type ArchSpec, cnnShapes, inputSize, type MemoryNeed, NET_BLOCK, paramLayout } from '@fsbayes/core';
import type { Engine } from './batch.js';
import type { SgdConfig } from './config.js';
import { placeBuffers, wasmBuffers, wasmCapacity, wasmNet } from './wasm-layout.js';

/** What the estimate depends on. */
export interface SgdMemoryInput {
  spec: ArchSpec;
  config: SgdConfig;
  /** |S| and |E|. */
  trainM: number;
  testM: number;
  engine?: Engine;
  /** Worker threads (one trainer each). */
  threads: number;
  /** Runs per job (their initial parameters are in flight, 3 jobs per thread). */
  jobSize: number;
}

/** Static data below a wasm trainer's heap, rounded up. */
const WASM_STATIC_BYTES = 64 * 1024;

/** The wasm memory one `WasmLaneTrainer` grows to: its buffer plan (`wasm-layout.ts`) laid out above the static data. */
export function wasmTrainerBytes(
  spec: ArchSpec,
  config: SgdConfig,
  trainM: number,
  testM: number,
  groups: number,
): number {
  const buffers = wasmBuffers(wasmNet(spec), wasmCapacity(config, trainM), trainM, testM, groups);
  return placeBuffers(buffers, WASM_STATIC_BYTES).end;
}

/** Bytes of one float64 `RunTrainer` (its net's buffers, θ, gradient, optimiser state, data copies). */
export function jsTrainerBytes(spec: ArchSpec, config: SgdConfig, trainM: number, testM: number): number {
  const P = paramLayout(spec).size;
  const cap = Math.max(Math.min(config.batch, trainM), 64);
  const sum = (ws: number[]) => ws.reduce((s, w) => s + w, 0);
  let acts: number;
  if (spec.kind === 'fcn') {
    const dims = [spec.inputDim, ...spec.hidden, 1];
    acts = sum(dims.slice(0, -1)) + 2 * sum(dims.slice(1));
  } else {
    // CnnNet: every conv input/output, pre-activation and delta, the pooled features and their delta, the dense tail
    const sizes = cnnShapes(spec).map(([h, w, c]) => h * w * c);
    const feats = spec.pooling === 'gap' ? spec.convs[spec.convs.length - 1].channels : sizes[sizes.length - 1];
    acts = sum(sizes) + 2 * sum(sizes.slice(1)) + 2 * feats + 3 * sum([...spec.hidden, 1]);
  }
  // θ, gradient and up to two optimiser accumulators, each P float64
  return 8 * (cap * acts + 4 * P + (trainM + testM) * (inputSize(spec) + 1));
}

/** The buffers of a training run: per-thread trainers and the initial parameters drawn on the main thread. */
export function sgdMemoryNeeds(o: SgdMemoryInput): MemoryNeed[] {
  const P = paramLayout(o.spec).size;
  const depth = Math.max(2, 3 * o.threads);
  const needs: MemoryNeed[] = [
    {
      what: `one stream block of initial parameters (${NET_BLOCK} nets, f64)`,
      bytes: NET_BLOCK * P * 8,
      pool: 'native',
    },
    {
      what: `initial parameters of the jobs in flight (${o.jobSize} runs, f64)`,
      bytes: o.jobSize * P * 8,
      pool: 'native',
      copies: depth,
    },
  ];
  if (o.engine?.kind === 'wasm')
    needs.push({
      what: `wasm trainer memory per thread (${o.engine.groups} groups of 4 lanes)`,
      bytes: wasmTrainerBytes(o.spec, o.config, o.trainM, o.testM, o.engine.groups),
      pool: 'wasm32',
      copies: o.threads,
    });
  else
    needs.push({
      what: 'float64 trainer per thread',
      bytes: jsTrainerBytes(o.spec, o.config, o.trainM, o.testM),
      pool: 'native',
      copies: o.threads,
    });
  return needs;
}
