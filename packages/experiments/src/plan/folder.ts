/**
 * Write a plan's folder (`fsbayes plan … --out DIR`): plan.json, the sbatch
 * scripts, submit.sh, README.md and the empty folders the tasks write into.
 * The folder appears whole, like every fsbayes output folder.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PreparedOutputs } from '@fsbayes/core';
import { PLAN_FILE, PLAN_PATHS, type Plan } from './format.js';
import { planReadme, sbatchScript, scriptName, submitScript } from './slurm.js';

/**
 * Write the plan's folder into `dir`, checked and locked as an output
 * folder by the caller before the plan was made (measuring takes a while);
 * `shownDir` is how its README names it.
 */
export async function writePlanFolder(target: PreparedOutputs, dir: string, plan: Plan, shownDir = dir): Promise<void> {
  await target.writeFolder(dir, (staging) => {
    for (const d of Object.values(PLAN_PATHS)) if (d !== PLAN_PATHS.result) mkdirSync(join(staging, d));
    writeFileSync(join(staging, PLAN_FILE), `${JSON.stringify(plan, null, 2)}\n`);
    writeFileSync(join(staging, 'README.md'), planReadme(plan, shownDir));
    const exec = (rel: string, text: string) => {
      writeFileSync(join(staging, rel), text);
      chmodSync(join(staging, rel), 0o755);
    };
    exec('submit.sh', submitScript(plan));
    for (const s of plan.stages) exec(scriptName(plan, s), sbatchScript(plan, s));
  });
}
