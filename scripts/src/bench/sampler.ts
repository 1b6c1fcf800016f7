/** Placeholder until its issue lands (owned by the sampler work). */
export async function benchSampler(_o: { quick: boolean }): Promise<string> {
  return '(not built yet)';
}
