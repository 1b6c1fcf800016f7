/**
 * Cluster plans end to end through the built CLI, on a Boolean experiment
 * shrunk with --set: `fsbayes plan` splits its SGD runs, rejection nets and
 * P_B functions into tasks; the plan run here (`run-plan --local`) and,
 * where a Slurm answers, through real sbatch (`submit.sh`), must give the
 * same bytes as the unsharded `fsbayes repro` of the same settings — the
 * rejection step with its `accept` cut falling inside a part.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-plan-');

// 3 shards of 50,000 nets; the run reaches its 4th acceptance before net 150,000 (the 5th is net 148,740 at seed 1).
const ACCEPT = 4;
const NETS = 150_000;
const SETS = [
  'flips=0',
  'sgdRuns=12',
  `rejectionNets=${NETS}`,
  `rejectionAccept=${ACCEPT}`,
  'pbLimit=6',
  'bootstrap=0',
  'minCount=1',
].flatMap((s) => ['--set', s]);

/** The result files a repro folder holds (plots are rendered from these; timings differ by nature). */
function resultFiles(folder: string): string[] {
  return readdirSync(folder)
    .filter((f) => /\.(json|csv|md)$/.test(f) && f !== 'timings.json')
    .sort();
}

function expectSameResult(plain: string, planned: string): void {
  const files = resultFiles(plain);
  expect(files).toContain('summary.json');
  expect(resultFiles(planned)).toEqual(files);
  for (const f of files) expect(readFileSync(join(planned, f), 'utf8'), f).toBe(readFileSync(join(plain, f), 'utf8'));
}

function makePlan(out: string, extra: string[] = []) {
  const r = cli(
    [
      'plan',
      'boolean',
      ...SETS,
      '--cpus-per-task',
      '1',
      '--mem',
      '1G',
      '--shards',
      '3,pb=2',
      '--out',
      out,
      '--quiet',
      ...extra,
    ],
    120_000,
  );
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8'));
}

const plain = join(dir, 'plain');

describe('fsbayes plan', () => {
  beforeAll(() => {
    const r = cli(['repro', 'boolean', ...SETS, '--threads', '1', '--out', plain, '--quiet'], 300_000);
    expect(r.code, r.stderr).toBe(0);
  }, 300_000);

  it('writes a plan, and run-plan --local gives the unsharded run byte for byte', () => {
    const out = join(dir, 'local');
    const plan = makePlan(out, ['--no-calibrate']);
    expect(plan.stages.map((s: { id: string; tasks: number }) => `${s.id}:${s.tasks}`)).toEqual([
      't0-sgd:3',
      't0-sgd-merge:1',
      't0-rejection:3',
      't0-rejection-merge:1',
      't0-pb:2',
      't0-pb-merge:1',
      'report:1',
    ]);
    const pb = plan.stages.find((s: { id: string }) => s.id === 't0-pb');
    expect(pb.after).toEqual(['t0-sgd-merge', 't0-rejection-merge']);
    for (const f of ['README.md', 'submit.sh', 'slurm/01-t0-sgd.sbatch', 'slurm/07-report.sbatch'])
      expect(existsSync(join(out, f)), f).toBe(true);
    for (const f of ['submit.sh', ...readdirSync(join(out, 'slurm')).map((f) => `slurm/${f}`)]) {
      const syntax = spawnSync('bash', ['-n', join(out, f)], { encoding: 'utf8' });
      expect(syntax.status, `${f}: ${syntax.stderr}`).toBe(0);
    }
    const sbatch = readFileSync(join(out, 'slurm/03-t0-rejection.sbatch'), 'utf8');
    expect(sbatch).toContain('#SBATCH --array=1-3');
    expect(sbatch).toContain('#SBATCH --requeue');
    expect(sbatch).toContain('run-plan . --stage t0-rejection &');
    // A task needs its index: outside an array it must be given.
    const noTask = cli(['run-plan', out, '--stage', 't0-sgd']);
    expect(noTask.code).toBe(1);
    expect(noTask.stderr).toMatch(/give --task i \(1 … 3\)/);

    const r = cli(['run-plan', out, '--local', '--parallel', '2', '--quiet'], 300_000);
    expect(r.code, r.stderr).toBe(0);
    expectSameResult(plain, join(out, 'result'));
    // The accept cut fell inside the nets: the parts drew more than the run keeps.
    const summary = JSON.parse(readFileSync(join(out, 'result', 'summary.json'), 'utf8'));
    expect(summary.targets[0].rejection.accepted).toBe(ACCEPT);
    expect(summary.targets[0].rejection.drawn).toBeLessThan(NETS);
    const drawnByParts = [1, 2, 3]
      .map((t) => JSON.parse(readFileSync(join(out, 'parts', 't0-rejection', `${t}.json`), 'utf8')))
      .reduce((n, p) => n + p.part.state.drawn, 0);
    expect(drawnByParts).toBeGreaterThan(summary.targets[0].rejection.drawn);
    // Run again: everything is done, nothing recomputed.
    const again = cli(['run-plan', out, '--local', '--json', '--quiet']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ran: 0, skipped: 12 });
  }, 300_000);

  it('refuses bad plan options before writing anything', () => {
    const out = join(dir, 'bad');
    for (const [flags, msg] of [
      [['--shards', 'sgd=0'], /sgd must be an integer in 1 … 1000/],
      [['--shards', 'adam=4'], /unknown step kind 'adam'/],
      [['--time', 'soon'], /--time must be a Slurm time/],
      [['--set', 'sgdRuns=0'], /sgdRuns/],
    ] as const) {
      const r = cli(['plan', 'boolean', '--out', out, '--no-calibrate', ...flags]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(out)).toBe(false);
    }
  });

  const slurm = slurmAvailable();
  if (!slurm.ok) console.info(`slurm-plan: skipping the real-Slurm test: ${slurm.why}`);
  it.skipIf(!slurm.ok)(
    'submit.sh through real sbatch gives the unsharded run byte for byte',
    async () => {
      const out = join(dir, 'slurm');
      makePlan(out, ['--no-calibrate']);
      const sub = spawnSync('./submit.sh', [], { cwd: out, encoding: 'utf8' });
      expect(sub.status, sub.stderr).toBe(0);
      const ids = sub.stdout
        .split('\n')
        .map((l) => l.split('\t'))
        .filter((p) => p.length === 2)
        .map((p) => p[1]);
      expect(ids).toHaveLength(7);
      const t0 = Date.now();
      while (!existsSync(join(out, 'result', 'summary.json'))) {
        const q = spawnSync('squeue', ['-h', '-j', ids.join(',')], { encoding: 'utf8' });
        const queued = q.status === 0 ? q.stdout.trim() : '';
        if (queued === '' || Date.now() - t0 > 400_000) {
          spawnSync('scancel', ids);
          const logs = readdirSync(join(out, 'logs'))
            .map((f) => `${f}:\n${readFileSync(join(out, 'logs', f), 'utf8').slice(-1500)}`)
            .join('\n');
          throw new Error(`the plan did not finish (${queued ? 'timed out' : 'jobs left the queue'}):\n${logs}`);
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
      expectSameResult(plain, join(out, 'result'));
    },
    480_000,
  );
});

/** Whether sbatch is on PATH and sinfo answers with a usable node. */
function slurmAvailable(): { ok: boolean; why: string } {
  const which = spawnSync('sh', ['-c', 'command -v sbatch && command -v squeue'], { encoding: 'utf8' });
  if (which.status !== 0) return { ok: false, why: 'sbatch/squeue are not on PATH' };
  const info = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', timeout: 10_000 });
  if (info.status !== 0) return { ok: false, why: `sinfo does not answer (${(info.stderr || '').trim()})` };
  if (!/^(idle|mixed|allocated|completing)/m.test(info.stdout))
    return { ok: false, why: `no node is up (sinfo: ${info.stdout.trim() || 'nothing'})` };
  return { ok: true, why: '' };
}
