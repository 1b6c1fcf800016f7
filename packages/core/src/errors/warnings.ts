/**
 * Warnings: why a computed number is not to be trusted (an iteration that did
 * not converge, jitter added to a kernel, a degenerate kernel, a method used
 * below its reliable range, …). A result that holds such a number carries
 * `warnings: string[]`; the CLI prints each on stderr as
 * `fsbayes <command>: warning: …` and keeps them in --json, and reports show
 * them beside the number. Each message is one self-contained sentence that
 * names the value concerned.
 */
export class Warnings {
  /** The messages, in the order added, without repeats. */
  readonly list: string[] = [];

  /** Add a message (ignored when already present). */
  add(message: string): this {
    if (!this.list.includes(message)) this.list.push(message);
    return this;
  }

  /** Add every message of `messages` (undefined: nothing). */
  addAll(messages: Iterable<string> | undefined): this {
    if (messages) for (const m of messages) this.add(m);
    return this;
  }

  get size(): number {
    return this.list.length;
  }

  /** A copy of the list, for a result's `warnings` field. */
  toArray(): string[] {
    return [...this.list];
  }
}
