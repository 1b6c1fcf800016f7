/**
 * Test helper shared by the EP and P_B tests: a tiny independent FCN ReLU NNGP
 * (written from the formulas, not the kernel module under test elsewhere).
 */
export function reluNngp(
  X: ArrayLike<number>,
  n: number,
  d: number,
  depth: number,
  sw2: number,
  sb2: number,
): Float64Array {
  let K = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < d; p++) s += X[i * d + p] * X[j * d + p];
      K[i * n + j] = sb2 + (sw2 * s) / d;
    }
  for (let l = 0; l < depth; l++) {
    const K2 = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const a = K[i * n + i];
        const b = K[j * n + j];
        if (i === j) {
          K2[i * n + i] = sb2 + (sw2 * a) / 2;
          continue;
        }
        const c = K[i * n + j];
        const th = Math.atan2(Math.sqrt(Math.max(a * b - c * c, 0)), c);
        K2[i * n + j] = sb2 + (sw2 / (2 * Math.PI)) * Math.sqrt(a * b) * (Math.sin(th) + (Math.PI - th) * Math.cos(th));
      }
    K = K2;
  }
  return K;
}
