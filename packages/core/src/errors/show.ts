/**
 * A value as error messages show it: numbers as JavaScript prints them (so
 * NaN, Infinity and -0 stay visible, where JSON.stringify would print null or
 * 0), strings quoted, anything else as short JSON; all cut to `max` characters.
 */
export function show(v: unknown, max = 80): string {
  let s: string;
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return typeof v;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (ArrayBuffer.isView(v)) s = `${v.constructor.name}(${(v as unknown as ArrayLike<number>).length})`;
  else {
    try {
      s =
        JSON.stringify(v, (_k, x: unknown) =>
          typeof x === 'number' && !Number.isFinite(x) ? String(x) : typeof x === 'bigint' ? `${x}n` : x,
        ) ?? String(v);
    } catch {
      s = Object.prototype.toString.call(v);
    }
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
