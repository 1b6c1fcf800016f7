/**
 * Checks of the raw command line that yargs cannot make: a scalar flag
 * given twice, and --threads. yargs-parser keeps repeated values as an
 * array, except that a repeated value of exactly 1 is taken for a `count`
 * increment of the first (its `increment()` sentinel is the number 1), so
 * `--seed 4 --seed 1` became seed 5 and `--threads 2 --threads 1` three
 * threads, while `--seed 4 --seed 2` became [4, 2] and failed later, or not.
 * After parsing the repetition can no longer be seen, so it is found here,
 * in the tokens, with the command's option types.
 */
import { chooseThreads } from '@fsbayes/core';

/** The parts of yargs' `getOptions()` these checks read. */
export interface FlagTypes {
  array: string[];
  boolean: string[];
  count: string[];
  alias: Record<string, string[]>;
  key: Record<string, unknown>;
}

/** A scalar flag given more than once, with what each occurrence said. */
export interface RepeatedFlag {
  flag: string;
  values: string[];
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Every spelling of every known option (name, alias, camelCase) → its canonical name. */
function canonicalNames(o: FlagTypes): Map<string, string> {
  const names = new Map<string, string>();
  const add = (name: string, canon: string) => {
    names.set(name, canon);
    names.set(camel(name), canon);
  };
  for (const k of Object.keys(o.key)) add(k, k);
  for (const [k, aliases] of Object.entries(o.alias)) {
    const canon = names.get(k) ?? k;
    add(k, canon);
    for (const a of aliases) add(a, canon);
  }
  return names;
}

const NUMBER = /^-?\d+(\.\d*)?(e[-+]?\d+)?$/i;

/**
 * The first scalar flag the tokens give more than once (array and count
 * flags may repeat; so may positionals), or undefined. Tokens after `--`
 * are not flags. Unknown flags are left to yargs' strict mode.
 */
export function findRepeatedFlag(tokens: readonly string[], o: FlagTypes): RepeatedFlag | undefined {
  const names = canonicalNames(o);
  const isBool = (k: string) => o.boolean.includes(k);
  const repeatable = (k: string) => o.array.includes(k) || o.count.includes(k);
  const seen = new Map<string, { flag: string; values: string[] }>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === '--') break;
    let given: { key: string; flag: string; value?: string }[] = [];
    if (t.startsWith('--')) {
      const eq = t.indexOf('=');
      const name = eq < 0 ? t.slice(2) : t.slice(2, eq);
      const value = eq < 0 ? undefined : t.slice(eq + 1);
      const key = names.get(name);
      const neg = name.startsWith('no-') ? names.get(name.slice(3)) : undefined;
      if (key !== undefined) given = [{ key, flag: `--${name}`, value }];
      else if (neg !== undefined && isBool(neg)) given = [{ key: neg, flag: `--${name.slice(3)}`, value: 'false' }];
    } else if (/^-[^-\d.]/.test(t)) {
      // -n 4, -n4, -n=4, or a group of one-letter booleans (-xyz)
      const body = t.slice(1);
      const eq = body.indexOf('=');
      if (eq >= 0)
        given = [{ key: names.get(body.slice(0, eq)) ?? '', flag: `-${body.slice(0, eq)}`, value: body.slice(eq + 1) }];
      else if (body.length > 1 && NUMBER.test(body.slice(1)))
        given = [{ key: names.get(body[0]) ?? '', flag: `-${body[0]}`, value: body.slice(1) }];
      else given = [...body].map((c) => ({ key: names.get(c) ?? '', flag: `-${c}` }));
      given = given.filter((g) => g.key !== '');
    }
    for (const [j, g] of given.entries()) {
      let value = g.value;
      // The last flag of a token takes the next token as its value, as yargs does.
      if (value === undefined && !isBool(g.key) && !repeatable(g.key) && j === given.length - 1) {
        const next = tokens[i + 1];
        if (next !== undefined && next !== '--' && (!next.startsWith('-') || NUMBER.test(next))) {
          value = next;
          i++;
        }
      }
      if (repeatable(g.key)) continue;
      const s = seen.get(g.key) ?? { flag: g.flag, values: [] };
      s.values.push(value ?? (isBool(g.key) ? 'true' : '(no value)'));
      seen.set(g.key, s);
      if (s.values.length > 1) return s;
    }
  }
  return undefined;
}

/** The refusal of a repeated flag: names it and both values. */
export function repeatedFlagMessage(r: RepeatedFlag): string {
  return `${r.flag} is given ${r.values.length === 2 ? 'twice' : `${r.values.length} times`} (${r.values.join(' and ')}); give it once`;
}

/**
 * Validate --threads (a positive integer; undefined is all cores) and say
 * when it is capped at the cores. Returns the note to log, if any; throws
 * an input error naming the value.
 */
export function checkThreadsFlag(threads: unknown): string | undefined {
  if (threads === undefined) return undefined;
  return chooseThreads(threads as number, '--threads').note;
}
