/** Placeholder until its issue lands (owned by the sgd work). */
export async function benchSgd(_o: { quick: boolean }): Promise<string> {
  return '(not built yet)';
}
