/**
 * `pnpm bench`: every speed goal of the project, measured side by side with a
 * numpy baseline in the same run (skipped when python3 with numpy is absent).
 * Options: --quick (fewer repetitions), --only prior,linalg,ep,orthant,sampler,sgd,cnn,table (cnn: CNN SGD,
 * cnn-sgd.ts, and the CNN-GP kernel, cnn-kernel.ts, with its own --cnn-sizes; table-full: the
 * 10⁸-net prior run end to end, not in the default set; ep-parallel: the
 * parallel EP table alone), --ep-sizes 2000,4000 (its N; up to 9999, the MNIST digits), --json FILE
 * (the table bench's own options are in table.ts).
 */
import { writeFileSync } from 'node:fs';
import { benchCnnKernel } from './cnn-kernel.js';
import { benchCnnSgd } from './cnn-sgd.js';
import { benchEp, benchEpParallel, benchKernelPrecision } from './ep.js';
import { benchLinalg } from './linalg.js';
import { benchOrthant } from './orthant.js';
import { benchPrior } from './prior.js';
import { benchSampler } from './sampler.js';
import { benchSgd } from './sgd.js';
import { benchTable, benchTableFull } from './table.js';

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only =
  onlyAt > 0
    ? process.argv[onlyAt + 1].split(',')
    : ['prior', 'linalg', 'ep', 'orthant', 'sampler', 'sgd', 'cnn', 'table'];
const sizesAt = process.argv.indexOf('--ep-sizes');
const epSizes = sizesAt > 0 ? process.argv[sizesAt + 1].split(',').map(Number) : undefined;
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
if (only.includes('ep') || only.includes('ep-parallel')) {
  const par = await benchEpParallel({ quick, sizes: epSizes });
  console.log(`## Parallel EP on MNIST (the schedule that reaches |S| = 10⁴)\n\n${par}\n`);
  out.epParallel = par;
}
if (only.includes('ep')) {
  const prec = benchKernelPrecision({ quick });
  console.log(`## What float32 (GPU) kernels cost EP\n\n${prec}\n`);
  out.kernelPrecision = prec;
}
if (only.includes('orthant')) {
  const r = await benchOrthant({ quick });
  console.log(`## P_B by Botev (minimax tilting) on the Boolean system\n\n${r.markdown}\n`);
  out.orthant = r.rows;
}
if (only.includes('sampler')) {
  const md = await benchSampler({ quick });
  console.log(`## Rejection sampler\n\n${md}\n`);
  out.sampler = md;
}
if (only.includes('sgd')) {
  const md = await benchSgd({ quick });
  console.log(`## SGD ensemble training\n\n${md}\n`);
  out.sgd = md;
}
if (only.includes('cnn')) {
  const md = await benchCnnSgd({ quick });
  console.log(`## CNN SGD ensemble training\n\n${md}\n`);
  out.cnnSgd = md;
}
if (only.includes('table')) {
  const r = await benchTable({ quick });
  console.log(`## Function tables: Map + JSON vs columnar + Arrow\n\n${r.markdown}\n`);
  out.table = r.rows;
}
if (only.includes('table-full')) {
  const r = await benchTableFull({ quick });
  console.log(
    `## The 10⁸-net prior table end to end: fsbayes functions → Arrow, beside FunctionTable + JSON\n\n${r.markdown}\n`,
  );
  out.tableFull = r.rows;
}
if (only.includes('cnn')) out.cnnKernel = await benchCnnKernel({ quick });
const jsonAt = process.argv.indexOf('--json');
if (jsonAt > 0 && process.argv[jsonAt + 1]) writeFileSync(process.argv[jsonAt + 1], JSON.stringify(out, null, 2));
