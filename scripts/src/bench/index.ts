/**
 * `pnpm bench`: every speed goal of the project, measured side by side with a
 * numpy baseline in the same run (skipped when python3 with numpy is absent).
 * Options: --quick (fewer repetitions), --only prior,linalg,ep, --json FILE.
 */
import { writeFileSync } from 'node:fs';
import { benchEp } from './ep.js';
import { benchLinalg } from './linalg.js';
import { benchPrior } from './prior.js';

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1].split(',') : ['prior', 'linalg', 'ep'];
const out: Record<string, unknown> = {};

if (only.includes('prior')) {
  const r = await benchPrior({ quick });
  console.log(`## Prior sampling + forward pass\n${r.markdown}\n`);
  out.prior = r.rows;
}
if (only.includes('linalg')) {
  const md = await benchLinalg({ quick });
  console.log(`## NNGP kernel, Cholesky, triangular solves (float64)\n\n${md}\n`);
  out.linalg = md;
}
if (only.includes('ep')) {
  const md = await benchEp({ quick });
  console.log(`## EP log P(S)\n\n${md}\n`);
  out.ep = md;
}
const jsonAt = process.argv.indexOf('--json');
if (jsonAt > 0 && process.argv[jsonAt + 1]) writeFileSync(process.argv[jsonAt + 1], JSON.stringify(out, null, 2));
