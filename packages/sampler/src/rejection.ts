/**
 * The rejection sampler: nets of the seed's canonical stream, evaluated in
 * large batches, counted by their functions on E.
 *
 * - `posterior`: each chunk of nets is evaluated on S only — on `screen`
 *   label-balanced points of S when S is large (`priorFunctions`, packed sign bits); a
 *   net passes iff those bits equal the labels. Only the survivors are
 *   evaluated further: their parameters are recomputed with `priorParams`
 *   (the same f64 numbers the wasm module drew) and passed to the same backend's
 *   `forward` on S ∪ E, i.e. in the same arithmetic (f32 or f64) as the first
 *   pass. The rest of S decides acceptance; E gives the function. Each input
 *   is evaluated independently, so on the screened points the second pass
 *   repeats the first exactly; a disagreement would be counted in
 *   `recheckDisagreements` (expected 0, and the first pass decides).
 * - `prior`: every net is counted on E (the unconditioned P(f)), through the
 *   same loop, checkpoints and stopping rules.
 *
 * Determinism: the result depends only on (spec, points, seed, first net,
 * stopping counts, backend arithmetic), never on threads or chunk sizes. The
 * `accept` rule stops at the exact net whose acceptance is the k-th, so a
 * resumed run stops at the same net as an uninterrupted one. The time limit
 * and external stops act at chunk boundaries (the state then says exactly
 * which nets were drawn, so the run can be resumed).
 */
import {
  type ArchSpec,
  type Backend,
  checkNetRange,
  FsbayesError,
  FunctionTable,
  NET_BLOCK,
  type Provenance,
  paramLayout,
  priorParams,
  type Seed,
  wordsFor,
} from '@fsbayes/core';
import { concatInputs, labelWords, lastWordMask, type PointSet } from './points.js';

/** Where a run stands: enough to continue it exactly (with the table so far). */
export interface RejectionState {
  /** Index of the next net to draw. */
  next: number;
  /** Nets drawn so far (next − first). */
  drawn: number;
  /** Nets that fit S (in prior mode: every net drawn). */
  accepted: number;
  /** Survivors whose S fit the second (forward) pass disputed; 0 when the arithmetic agrees. */
  recheckDisagreements: number;
}

/** Why a run stopped: enough acceptances, the sample budget, the time budget, or a signal. */
export type StopReason = 'accept' | 'samples' | 'time' | 'signal';

/** Options of {@link rejectionSample}. */
export interface RejectionOptions {
  backend: Backend;
  spec: ArchSpec;
  mode: 'prior' | 'posterior';
  /** S (labels required) in posterior mode; ignored in prior mode. */
  train: PointSet | null;
  /** E: functions are read off here. */
  test: PointSet;
  seed: Seed;
  /** First net of this run's range (a shard's start). */
  first: number;
  /** Nets in the range: the run draws at most nets [first, first + count). */
  count: number;
  /** Stop at the net that makes this many acceptances (default: no limit). */
  accept?: number;
  /** Stop (at a chunk boundary) after this many ms of this call. */
  timeLimitMs?: number;
  /** Continue from a checkpoint: its state and table. */
  resume?: { state: RejectionState; table: FunctionTable };
  provenance?: Provenance | null;
  /** Initial nets per backend call (rounded to whole blocks; adapted to about `targetChunkMs`). */
  chunk?: number;
  targetChunkMs?: number;
  /** Call `onCheckpoint` at most this often (ms) at chunk boundaries. */
  checkpointEveryMs?: number;
  onCheckpoint?: (state: RejectionState, table: FunctionTable) => void;
  onProgress?: (state: RejectionState, table: FunctionTable) => void;
  /** Polled at chunk boundaries; true stops the run (reason `signal`). */
  shouldStop?: () => boolean;
  /**
   * Posterior mode: how many points of S (balanced between the labels,
   * spread within each) whole chunks are evaluated on; nets that fit them are evaluated on the rest of S (and on E)
   * as survivors. Default: all of S when |S| ≤ 64, else 32. Only speed
   * depends on it: a net is accepted iff it fits all of S. When more than
   * 1/64 of a chunk passes the screen, the run switches to all of S.
   */
  screen?: number;
}

/** What {@link rejectionSample} returns: the table, the state to resume from, and why it stopped. */
export interface RejectionResult {
  table: FunctionTable;
  state: RejectionState;
  stopped: StopReason;
  /** Wall time of this call (not of earlier, resumed parts). */
  seconds: number;
}

const MIN_CHUNK = NET_BLOCK;
const MAX_CHUNK = 64 * NET_BLOCK * 4;
/** Doubles of parameters fetched at once when recomputing survivors (≈ 32 MB). */
const MAX_PARAM_DOUBLES = 1 << 22;

/** Run the rejection sampler (or the prior, in prior mode) over a range of the seed's nets. */
export async function rejectionSample(o: RejectionOptions): Promise<RejectionResult> {
  const t0 = performance.now();
  checkOptions(o);
  const { backend, spec, seed, test } = o;
  const end = o.first + o.count;
  const accept = o.accept ?? Number.POSITIVE_INFINITY;
  const posterior = o.mode === 'posterior';
  const train = posterior ? (o.train as PointSet) : null;
  const table = o.resume?.table ?? new FunctionTable(test.m, test.labels, o.provenance ?? null);
  if (o.resume && o.provenance !== undefined) table.provenance = o.provenance;
  const state: RejectionState = o.resume
    ? { ...o.resume.state }
    : { next: o.first, drawn: 0, accepted: 0, recheckDisagreements: 0 };
  const survivorsOn = train ? new SurvivorEvaluator(backend, spec, seed, train, test) : null;
  let screen = train ? screenPoints(train, screenSize(o.screen, train.m)) : null;
  let evalInputs = screen ? screen.points : test;
  let sWords = train ? labelWords(evalInputs.labels as Uint8Array) : null;

  let chunk = roundChunk(o.chunk ?? 4 * NET_BLOCK);
  const target = o.targetChunkMs ?? 1000;
  let lastCheckpoint = performance.now();
  const launch = (first: number, count: number) => {
    const on = evalInputs;
    const p = backend.priorFunctions({ spec, inputs: on.inputs, m: on.m, seed, first, count });
    p.catch(() => {}); // awaited below; never an unhandled rejection if the run stops first
    return { first, count, bits: p, started: performance.now(), on, sWords, screened: screen?.mask ?? null };
  };

  let stopped: StopReason | null = null;
  const done = () => state.next >= end || state.accepted >= accept;
  let pending = done() ? null : launch(state.next, Math.min(chunk, end - state.next));
  while (pending) {
    const cur = pending;
    const bits = await cur.bits;
    const elapsed = performance.now() - cur.started;
    // Adapt the chunk to about `target` ms per call (checkpoints and time limits act between calls).
    chunk = roundChunk(chunk * Math.min(4, Math.max(0.25, target / Math.max(elapsed, 1))));
    const after = cur.first + cur.count;
    // Prefetch the next chunk while this one is counted (it is discarded if the run stops).
    pending = after < end && state.accepted < accept ? launch(after, Math.min(chunk, end - after)) : null;

    let n = cur.count;
    if (!posterior) {
      n = Math.min(n, accept - state.accepted);
      table.addBatch(bits, n);
      state.accepted += n;
    } else {
      // Nets that pass the screen (the first pass decides on its points), in index order.
      const sw = cur.sWords as Uint32Array;
      const words = wordsFor(cur.on.m);
      const mask = lastWordMask(cur.on.m);
      const passed: number[] = [];
      for (let j = 0; j < cur.count; j++) {
        const o2 = j * words;
        let ok = true;
        for (let w = 0; w < words && ok; w++) {
          const v = w === words - 1 ? (bits[o2 + w] ^ sw[w]) & mask : bits[o2 + w] ^ sw[w];
          ok = v === 0;
        }
        if (ok) passed.push(cur.first + j);
        if (cur.on.m === (train as PointSet).m && state.accepted + passed.length >= accept) break;
      }
      if (passed.length > 0) {
        const ev = await (survivorsOn as SurvivorEvaluator).evaluate(passed, cur.screened as Uint8Array);
        state.recheckDisagreements += ev.disagreements;
        for (let t = 0; t < passed.length; t++) {
          if (!ev.fits[t]) continue;
          table.add(ev.functions[t]);
          // The k-th acceptance ends the run exactly at that net.
          if (++state.accepted >= accept) {
            n = passed[t] - cur.first + 1;
            break;
          }
        }
      }
      // A screen that lets many nets through costs more than it saves: use all of S from now on.
      const all = train as PointSet;
      if (cur.on.m < all.m && passed.length * 64 > cur.count && screen && screen.points.m < all.m) {
        screen = screenPoints(all, all.m);
        evalInputs = screen.points;
        sWords = labelWords(evalInputs.labels as Uint8Array);
      }
    }
    state.next = cur.first + n;
    state.drawn += n;
    o.onProgress?.(state, table);
    if (state.accepted >= accept) stopped = 'accept';
    else if (state.next >= end) stopped = 'samples';
    else if (o.timeLimitMs !== undefined && performance.now() - t0 >= o.timeLimitMs) stopped = 'time';
    else if (o.shouldStop?.()) stopped = 'signal';
    if (stopped) break;
    if (o.onCheckpoint && performance.now() - lastCheckpoint >= (o.checkpointEveryMs ?? 60_000)) {
      o.onCheckpoint({ ...state }, table);
      lastCheckpoint = performance.now();
    }
  }
  if (pending) await pending.bits.catch(() => {}); // let the workers finish before the caller closes them
  if (!stopped) stopped = state.accepted >= accept ? 'accept' : 'samples';
  return { table, state, stopped, seconds: (performance.now() - t0) / 1000 };
}

/** Points of S screened in the first pass (see `RejectionOptions.screen`). */
function screenSize(screen: number | undefined, mS: number): number {
  if (screen === undefined) return mS <= 64 ? mS : 32;
  if (!Number.isSafeInteger(screen) || screen < 1)
    throw new FsbayesError(`screen must be a positive integer, got ${screen}`);
  return Math.min(screen, mS);
}

/**
 * k points of S for the screen, and a mask of them over S: half of each
 * label (as far as S allows), spread evenly within each label. Balanced
 * labels reject the likeliest functions (the constants) at once; spreading
 * within a label avoids both class-sorted data (MNIST) and periodic targets
 * (0011… on the Boolean inputs), where a prefix or a plain stride would pick
 * points of one label only.
 */
function screenPoints(p: PointSet, k: number): { points: PointSet; mask: Uint8Array } {
  const mask = new Uint8Array(p.m);
  if (k === p.m) return { points: p, mask: mask.fill(1) };
  const labels = p.labels as Uint8Array;
  const byLabel: number[][] = [[], []];
  for (let i = 0; i < p.m; i++) byLabel[labels[i]].push(i);
  const want1 = Math.min(byLabel[1].length, Math.max(Math.ceil(k / 2), k - byLabel[0].length));
  const take = [k - want1, want1];
  for (const l of [0, 1]) {
    const idx = byLabel[l];
    for (let t = 0; t < take[l]; t++) mask[idx[Math.floor((t * idx.length) / take[l])]] = 1;
  }
  const d = p.inputs.length / p.m;
  const inputs = new Float64Array(k * d);
  const out = new Uint8Array(k);
  for (let i = 0, j = 0; i < p.m; i++) {
    if (!mask[i]) continue;
    inputs.set(p.inputs.subarray(i * d, (i + 1) * d), j * d);
    out[j++] = labels[i];
  }
  return { points: { inputs, m: k, labels: out }, mask };
}

function roundChunk(n: number): number {
  return Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Math.round(n / NET_BLOCK) * NET_BLOCK));
}

function checkOptions(o: RejectionOptions): void {
  if (o.mode !== 'prior' && o.mode !== 'posterior')
    throw new FsbayesError(`mode must be prior or posterior, got ${String(o.mode)}`);
  checkNetRange(o.first, o.count);
  if (o.accept !== undefined && !(Number.isSafeInteger(o.accept) && o.accept >= 1))
    throw new FsbayesError(`accept must be a positive integer, got ${o.accept}`);
  if (!o.backend.supports(o.spec))
    throw new FsbayesError(`backend ${o.backend.info.name} cannot run this architecture`);
  if (o.mode === 'posterior') {
    if (!o.train || o.train.m === 0) throw new FsbayesError('S is empty: nothing to condition on (use mode prior)');
    if (!o.train.labels) throw new FsbayesError('S needs labels');
  }
  if (o.resume) {
    const s = o.resume.state;
    if (s.next < o.first || s.next > o.first + o.count || s.drawn !== s.next - o.first)
      throw new FsbayesError(
        `resume state (next net ${s.next}, ${s.drawn} drawn) does not fit the range starting at ${o.first}`,
      );
    if (o.resume.table.m !== o.test.m)
      throw new FsbayesError(`resume table is on ${o.resume.table.m} points, E has ${o.test.m}`);
  }
}

/**
 * Evaluates nets that passed the screen on S ∪ E: recomputes their parameters from the
 * stream (grouped per stream block, so a block is regenerated at most once)
 * and runs the backend's forward pass.
 */
class SurvivorEvaluator {
  private readonly P: number;
  private readonly both: Float64Array;
  private readonly mS: number;
  private readonly mE: number;
  private readonly sLabels: Uint8Array;
  private readonly words: number;

  constructor(
    private readonly backend: Backend,
    private readonly spec: ArchSpec,
    private readonly seed: Seed,
    train: PointSet,
    test: PointSet,
  ) {
    this.P = paramLayout(spec).size;
    this.both = concatInputs(train.inputs, test.inputs);
    this.mS = train.m;
    this.mE = test.m;
    this.sLabels = train.labels as Uint8Array;
    this.words = wordsFor(test.m);
  }

  /**
   * Evaluate nets `idx` (ascending) on S ∪ E. The points of S marked in
   * `screened` were decided by the first pass: a different sign there is
   * counted as a disagreement (the first pass decides); the rest of S
   * decides `fits`.
   */
  async evaluate(
    idx: number[],
    screened: Uint8Array,
  ): Promise<{ fits: boolean[]; functions: Uint32Array[]; disagreements: number }> {
    const params = this.params(idx);
    const m = this.mS + this.mE;
    const pre = await this.backend.forward(this.spec, params, idx.length, this.both, m);
    let disagreements = 0;
    const fits: boolean[] = [];
    const functions: Uint32Array[] = [];
    for (let j = 0; j < idx.length; j++) {
      const o = j * m;
      let ok = true;
      let disputed = false;
      for (let i = 0; i < this.mS; i++) {
        if (pre[o + i] > 0 !== (this.sLabels[i] === 1)) {
          if (screened[i]) disputed = true;
          else ok = false;
        }
      }
      if (disputed) disagreements++;
      const fn = new Uint32Array(this.words);
      for (let i = 0; i < this.mE; i++) if (pre[o + this.mS + i] > 0) fn[i >>> 5] |= 1 << (i & 31);
      fits.push(ok);
      functions.push(fn);
    }
    return { fits, functions, disagreements };
  }

  /** Parameters [idx.length × P] of the given nets. */
  private params(idx: number[]): Float64Array {
    const P = this.P;
    const out = new Float64Array(idx.length * P);
    let j = 0;
    while (j < idx.length) {
      const block = Math.floor(idx[j] / NET_BLOCK);
      let k = j;
      // Nets of one block in one call, as long as the span stays small.
      while (
        k + 1 < idx.length &&
        Math.floor(idx[k + 1] / NET_BLOCK) === block &&
        (idx[k + 1] - idx[j] + 1) * P <= MAX_PARAM_DOUBLES
      )
        k++;
      const lo = idx[j];
      const span = priorParams(this.spec, this.seed, lo, idx[k] - lo + 1);
      for (let t = j; t <= k; t++) out.set(span.subarray((idx[t] - lo) * P, (idx[t] - lo + 1) * P), t * P);
      j = k + 1;
    }
    return out;
  }
}
