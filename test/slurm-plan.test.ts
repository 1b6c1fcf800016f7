/**
 * Cluster plans end to end through the built CLI, on a Boolean experiment
 * shrunk with --set: `fsbayes plan` splits its SGD runs, rejection nets and
 * P_B functions into tasks; the plan run here (`run-plan --local`) and,
 * where a Slurm answers, through real sbatch (`submit.sh`), must give the
 * same bytes as the unsharded `fsbayes repro` of the same settings — the
 * rejection step with its `accept` cut falling inside a part.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './helpers.js';

const dir = tempDir('fsbayes-plan-');

// At seed 1 the Boolean system's acceptances are nets 1138, 30192, 64101, 102793, 148740: with 3 shards of
// 50,000 nets the 3rd falls inside part 2 (recounted by the merge), and part 3 is not needed once parts 1-2 are done.
const ACCEPT = 3;
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
      't0-pb-ep:2',
      't0-pb-ep-merge:1',
      'report:1',
    ]);
    // P_B by Botev (t0-pb) and by EP beside it (t0-pb-ep): both over the functions SGD and rejection found.
    for (const id of ['t0-pb', 't0-pb-ep']) {
      const pb = plan.stages.find((s: { id: string }) => s.id === id);
      expect(pb.after).toEqual(['t0-sgd-merge', 't0-rejection-merge']);
    }
    for (const f of ['README.md', 'submit.sh', 'slurm/01-t0-sgd.sbatch', 'slurm/09-report.sbatch'])
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

    const r = cli(['run-plan', out, '--local', '--quiet'], 300_000);
    expect(r.code, r.stderr).toBe(0);
    expectSameResult(plain, join(out, 'result'));
    // The cut: part 2 drew all its nets, the run keeps those up to net 64101; part 3 was skipped.
    const summary = JSON.parse(readFileSync(join(out, 'result', 'summary.json'), 'utf8'));
    expect(summary.targets[0].rejection).toMatchObject({ accepted: ACCEPT, drawn: 64_102 });
    const part = (t: number) => JSON.parse(readFileSync(join(out, 'parts', 't0-rejection', `${t}.json`), 'utf8'));
    expect(part(2).part.state).toMatchObject({ drawn: 50_000, accepted: 1 });
    expect(part(3)).toMatchObject({ part: null, skipped: expect.stringMatching(/settle t0-rejection/) });

    // Lose the Botev P_B step and the result: run again, two tasks at a time as processes; only they are redone.
    for (const f of ['parts/t0-pb', 'steps/t0-pb.json', 'result']) rmSync(join(out, f), { recursive: true });
    const again = cli(['run-plan', out, '--local', '--parallel', '2', '--json', '--quiet'], 300_000);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ ran: 4, skipped: 11 });
    expectSameResult(plain, join(out, 'result'));
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
      expect(ids).toHaveLength(9);
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
