/**
 * The two hooks by which an object shows itself in a notebook or a console,
 * with no kernel as a dependency: both are registry symbols
 * (`Symbol.for`), so any code can look them up by name.
 *
 * - `Symbol.for('Jupyter.display')`: Deno's Jupyter kernel calls it on a
 *   cell's value and shows the MIME bundle it returns (an SVG figure, an
 *   HTML table).
 * - `Symbol.for('nodejs.util.inspect.custom')`: Node's `util.inspect`
 *   (console.log, the REPL, CommonJS kernels such as tslab) and Deno's
 *   console print the string it returns.
 */

/** The key of a method returning a {@link MimeBundle}: what Deno's Jupyter kernel shows for a value. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display');

/** The key of a method returning the text `util.inspect` (console.log) prints for a value. */
export const INSPECT_CUSTOM: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** Jupyter's display data: MIME type → content (e.g. 'image/svg+xml', 'text/html', 'text/plain'). */
export type MimeBundle = Record<string, string>;
