/**
 * The Slurm side of a plan, all rendered from `plan.json`: an sbatch script
 * per stage (a job array for a part stage; `--requeue`; near the time limit
 * the task checkpoints and requeues itself), `submit.sh` (submits every
 * stage not yet done, each held by `--dependency=afterok:` on the job ids
 * `sbatch --parsable` gave the stages it needs; an array gets only its
 * missing tasks), and the README of the folder.
 */
import { planCostText } from './estimate.js';
import type { Plan, PlanStage } from './format.js';
import { mergedFile, PLAN_PATHS, partFile, resultDir } from './format.js';

/** A word for a POSIX shell, quoted when it needs to be. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Seconds before the time limit at which Slurm warns the batch script (it checkpoints and requeues). */
const WARN_SECONDS = 180;

/** The file name of a stage's script: `slurm/NN-<id>.sbatch` (NN: its place in the plan). */
export function scriptName(plan: Plan, stage: PlanStage): string {
  const i = plan.stages.indexOf(stage) + 1;
  return `${PLAN_PATHS.scripts}/${String(i).padStart(2, '0')}-${stage.id}.sbatch`;
}

/** The sbatch script of one stage. */
export function sbatchScript(plan: Plan, stage: PlanStage): string {
  const sch = plan.scheduler;
  const array = stage.tasks > 1;
  const directives = [
    `--job-name=${sch.jobName}-${stage.id}`,
    ...(array ? [`--array=1-${stage.tasks}${sch.maxParallel ? `%${sch.maxParallel}` : ''}`] : []),
    `--time=${stage.resources.time}`,
    `--mem=${stage.resources.mem}`,
    '--ntasks=1',
    `--cpus-per-task=${stage.resources.cpusPerTask}`,
    ...(sch.partition ? [`--partition=${sch.partition}`] : []),
    ...(sch.account ? [`--account=${sch.account}`] : []),
    '--requeue',
    '--open-mode=append',
    `--output=${PLAN_PATHS.logs}/${stage.id}-${array ? '%A_%a' : '%j'}.out`,
    ...(stage.resumable ? [`--signal=B:USR1@${WARN_SECONDS}`] : []),
    ...sch.extra,
  ];
  const run = `${plan.fsbayes} run-plan . --stage ${stage.id}`;
  // Only a task that checkpoints gains from requeueing itself near its limit; the others would start over.
  const body = stage.resumable
    ? `${run} &
pid=$!
# Near the time limit Slurm sends USR1 here: the task writes its checkpoint (SIGTERM) and the job is requeued to continue.
requeue() {
  echo "fsbayes: time limit near: checkpointing and requeueing job $SLURM_JOB_ID" >&2
  kill -TERM "$pid" 2>/dev/null
  wait "$pid"
  scontrol requeue "$SLURM_JOB_ID"
  exit 0
}
trap requeue USR1
wait "$pid"
exit $?`
    : `# This task does not checkpoint: give it time enough (a requeue after a node failure starts it again).
exec ${run}`;
  return `#!/bin/bash
# fsbayes plan of \`${plan.repro}\`
# Stage ${stage.id}: ${stage.label}.
# ${
    array
      ? `Task i of the array works on its range of the ${stage.items} ${stage.unit}, found from SLURM_ARRAY_TASK_ID and plan.json.`
      : 'One task.'
  }
# A task whose output exists does nothing${stage.resumable ? '; a requeued task resumes from its checkpoint' : ''}.
${directives.map((d) => `#SBATCH ${d}`).join('\n')}

${body}
`;
}

/** `submit.sh`: see the module comment. */
export function submitScript(plan: Plan): string {
  const lines: string[] = [];
  plan.stages.forEach((s, i) => {
    const deps = s.after.map((a) => plan.stages.findIndex((x) => x.id === a) + 1);
    const script = scriptName(plan, s);
    lines.push(`# ${i + 1}. ${s.id}: ${s.label}`);
    if (s.kind === 'part' && s.tasks > 1) {
      lines.push(`todo=$(missing ${shellQuote(relDir(partFile('.', s, 1)))} ${s.tasks})`);
      lines.push(
        `if [ -n "$todo" ]; then submit ${i + 1} ${s.id} ${script} "$todo"${deps.map((d) => ` ${d}`).join('')}`,
      );
    } else {
      const out =
        s.kind === 'part'
          ? partFile('.', s, 1)
          : s.kind === 'merge'
            ? mergedFile('.', s.step as string)
            : resultDir('.');
      lines.push(
        `if [ ! -e ${shellQuote(rel(out))} ]; then submit ${i + 1} ${s.id} ${script} ""${deps.map((d) => ` ${d}`).join('')}`,
      );
    }
    lines.push(`else echo "${s.id}: done already"; fi`);
  });
  return `#!/bin/bash
# Submit the plan in this folder to Slurm (\`${plan.repro}\`):
# one sbatch per stage, each held until the stages it needs have finished
# (--dependency=afterok on the job ids that sbatch --parsable printed);
# stages already done are skipped and an array gets only its missing tasks,
# so after a failure, fix the cause and run this again to continue.
#   ./submit.sh [more sbatch options for every job, e.g. --qos=long]
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
extra=("$@")
mkdir -p ${PLAN_PATHS.logs}
record="${PLAN_PATHS.logs}/submitted-$(date +%Y%m%d-%H%M%S).tsv"
declare -a jobs=()

# submit INDEX ID SCRIPT ARRAY-TASKS DEPENDENCY-INDEX...
submit() {
  local index=$1 id=$2 script=$3 tasks=$4
  shift 4
  local deps=() d
  for d in "$@"; do
    if [ -n "\${jobs[$d]:-}" ]; then deps+=("\${jobs[$d]}"); fi
  done
  local args=(--parsable --chdir="$here" --kill-on-invalid-dep=yes)
  if [ \${#deps[@]} -gt 0 ]; then args+=("--dependency=afterok:$(IFS=:; echo "\${deps[*]}")"); fi
  if [ -n "$tasks" ]; then args+=("--array=$tasks"); fi
  local out
  out=$(sbatch "\${args[@]}" \${extra[@]+"\${extra[@]}"} "$script")
  jobs[index]=\${out%%;*}
  printf '%s\\t%s\\n' "$id" "\${jobs[index]}" | tee -a "$record"
}

# missing DIR N: the tasks 1..N without DIR/<task>.json, comma-separated
missing() {
  local dir=$1 n=$2 t list=""
  for ((t = 1; t <= n; t++)); do
    if [ ! -e "$dir/$t.json" ]; then list+="\${list:+,}$t"; fi
  done
  echo "$list"
}

${lines.join('\n')}

echo "job ids: $record"
echo "watch: squeue --me, sacct -j <job id>, and: ${plan.fsbayes} run-plan . --status"
`;
}

function rel(p: string): string {
  return p.replace(/^\.\//, '');
}

function relDir(p: string): string {
  return rel(p).replace(/\/[^/]*$/, '');
}

function fmtSeconds(s: number | null): string {
  if (s === null) return '—';
  if (s < 90) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 5400) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The README of the plan's folder: what it runs, how to submit, watch and resume it. */
export function planReadme(plan: Plan, shownDir: string): string {
  const dir = shellQuote(shownDir);
  const rows = plan.stages.map((s, i) => {
    const per = s.items !== null ? Math.ceil(s.items / s.tasks).toLocaleString('en') : '—';
    return `| ${i + 1} | \`${s.id}\` | ${s.label.replace(/\|/g, '\\|')} | ${s.tasks} | ${per} | ${fmtSeconds(s.estimate.secondsPerTask)} | ${s.resources.time} | ${s.resources.mem} | ${s.resources.cpusPerTask} | ${s.after.length ? s.after.map((a) => `\`${a}\``).join(', ') : '—'} |`;
  });
  const measured = plan.stages.filter((s) => s.kind === 'part').map((s) => `- \`${s.id}\`: ${s.estimate.note}`);
  const parts = plan.stages.filter((s) => s.kind === 'part');
  const total = parts.reduce((n, s) => n + s.tasks, 0);
  return `# Cluster plan: \`${plan.repro}\`

This folder is a ready-to-submit Slurm plan of the experiment **${plan.experiment}** (scale \`${plan.scale}\`, seed ${plan.seed}${
    Object.keys(plan.overrides).length
      ? `, ${Object.entries(plan.overrides)
          .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
          .join(', ')}`
      : ''
  }).
\`plan.json\` is the one source of truth: the stages, how many tasks each has, what each needs first and what it asks of the scheduler.
Every script here is made from it, and every task finds its range of items from its index (\`SLURM_ARRAY_TASK_ID\`) and \`plan.json\`.
When the last stage has run, \`result/\` holds exactly what \`${plan.repro} --out result\` writes: summary.json, report.md, report.html, the tables and plots.

## Stages

${parts.length} step${parts.length === 1 ? '' : 's'} in ${total} array task${total === 1 ? '' : 's'}, a merge per step, then the report.

| # | stage | what | tasks | items per task | estimate per task | time limit | memory | CPUs | after |
|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

Estimates come from the speed of each step measured on a few items when the plan was made${plan.calibration ? `, with ${plan.calibration.threads} thread${plan.calibration.threads === 1 ? '' : 's'} (one task's ${plan.threads} CPUs${plan.calibration.threads < plan.threads ? `, capped at the ${plan.calibration.cores} cores of that machine` : ''})` : ''}; scale them to your nodes:

${measured.length ? measured.join('\n') : '- (no shardable steps: the report stage runs the whole experiment)'}

${planCostText(plan)}

Rejection sampling stops at its \`accept\`-th acceptance: each task stops at that many acceptances of its own range, and the merge cuts at the first \`accept\` in net order (recounting only the one part the cut falls in), so the result is the plain run's; tasks whose range lies after the cut are wasted work.

## Submit

    cd ${dir} && ./submit.sh

\`submit.sh\` submits every stage with \`sbatch --parsable\`, holding each one with \`--dependency=afterok:<job ids>\` of the stages it needs (and \`--kill-on-invalid-dep=yes\`, so a failed stage cancels what waits for it). The job ids go to \`logs/submitted-<time>.tsv\`. Extra sbatch options for every job go after it: \`./submit.sh --qos=long\`. Partition, account, time, memory and CPUs are in each \`slurm/*.sbatch\` (from the options of \`fsbayes plan\`); to change them, make the plan again with other options rather than editing the scripts.

## Watch

    squeue --me                                   # pending and running jobs (array tasks as JOBID_i)
    sacct -j <job id> --format=JobID,JobName%40,State,Elapsed,MaxRSS,ExitCode
    ${plan.fsbayes} run-plan ${dir} --status      # tasks done, resumable, missing per stage
    tail -f ${dir}/logs/<stage>-<job>_<task>.out   # a task's log

## Resume

- A task that is requeued (\`--requeue\`: node failure, preemption) resumes from its checkpoint in \`parts/<stage>/<task>.ckpt\`.
- Near its time limit an SGD, rejection or frozen-feature task gets \`USR1\` (\`--signal=B:USR1@${WARN_SECONDS}\`): it writes its checkpoint and requeues itself, so a limit that is too short costs a requeue, not the work. P_B, merge and report tasks do not checkpoint: if one runs out of time (TIMEOUT in sacct), run \`./submit.sh --time=HH:MM:SS\` with a longer limit; it resubmits only what is missing.
- After a failure (a stage shows FAILED in sacct, the jobs after it are cancelled): fix the cause, then run \`./submit.sh\` again. Finished tasks are skipped (their outputs exist), unfinished ones continue from their checkpoints.

## How the nodes run fsbayes

Every script runs \`${plan.fsbayes}\` from this folder (\`--fsbayes-command\` of \`fsbayes plan\`; the default is the Node.js and CLI that made the plan, by absolute path, so the checkout must be on a file system the nodes share). \`npx fsbayes\` works too where npm can find the workspace's \`fsbayes\`: in the checkout and in any folder below it (npm looks in \`node_modules/.bin\` of every parent folder), so for a plan folder inside the checkout \`--fsbayes-command "npx --no fsbayes"\` runs the same CLI (\`--no\`: never download a package of that name instead). For a plan folder elsewhere name the checkout: \`--fsbayes-command "npx --no --prefix /path/to/checkout fsbayes"\`.

## Without Slurm

    ${plan.fsbayes} run-plan ${dir} --local [--parallel K]

runs the same stages here, in order (K tasks at a time as separate processes).

## Files

- \`plan.json\`: the plan; \`slurm/NN-<stage>.sbatch\`: one script per stage; \`submit.sh\`: submits them.
- \`parts/<stage>/<task>.json\`: the finished parts (with their checkpoints while they run); \`steps/<step>.json\`: the merged steps.
- \`result/\`: the experiment's folder; \`logs/\`: the tasks' output and the submitted job ids.
`;
}
