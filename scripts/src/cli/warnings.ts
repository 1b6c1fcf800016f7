/**
 * Warnings of a result (why a number is not to be trusted): each printed on
 * stderr as `fsbayes <command>: warning: …` — with or without --json and
 * --quiet, since they are about the result, not progress — and kept in the
 * --json result's `warnings` array.
 */

/** Print each warning on stderr. */
export function printWarnings(command: string, warnings: readonly string[] | undefined): void {
  for (const w of warnings ?? []) process.stderr.write(`fsbayes ${command}: warning: ${w}\n`);
}

/**
 * The JSON form of a log-probability that may be −∞ (JSON has no −Infinity):
 * −∞ becomes `null`; when it is exact, `p: 0` goes beside it (an exact 0 gets
 * `p: 1`). A −∞ that is not exact (Monte Carlo without hits) is `null` alone,
 * its warning saying what is known.
 */
export function jsonLogP(logP: number, exact: boolean): { logP: number | null; p?: 0 | 1 } {
  if (logP === Number.NEGATIVE_INFINITY) return exact ? { logP: null, p: 0 } : { logP: null };
  if (exact && logP === 0) return { logP: 0, p: 1 };
  return { logP };
}

/** A log-probability for people: −∞ as "−∞", else fixed digits. */
export function formatLogP(logP: number, digits = 4): string {
  return logP === Number.NEGATIVE_INFINITY ? '−∞' : logP.toFixed(digits);
}
