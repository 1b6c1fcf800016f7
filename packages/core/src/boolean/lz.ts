/**
 * Lempel–Ziv complexity of binary strings, in the form used by Dingle, Camargo
 * & Louis (Nat. Commun. 2018) and Valle-Pérez, Camargo & Louis (ICLR 2019):
 *
 *   K_LZ(s) = log2(n)                              if s is all 0s or all 1s,
 *   K_LZ(s) = log2(n) · (c(s) + c(reverse(s))) / 2  otherwise,
 *
 * where n = |s| and c is the Lempel–Ziv (1976) phrase count: the number of
 * components in the exhaustive history of s, each component being the
 * longest prefix of the rest of s that can be copied from a start position
 * strictly inside the part already parsed (the copy may overlap the component
 * itself), plus one new symbol — except the last component, which may be a
 * pure copy. The count is computed by the linear scan of Kaspar & Schuster
 * (Phys. Rev. A 36, 842, 1987).
 */
import { type BitsLike, toBitArray } from '../bits.js';

/**
 * The Kaspar–Schuster scan on `s[0..n)`. Indices
 * follow the paper with 0-based storage: `l` is the length of the prefix
 * already parsed into components, `i` the candidate start of a copy inside
 * it, `k` the current match length plus one, `kMax` the longest component
 * found over all starts tried for the current component, `c` the count.
 */
function ksScan(s: Uint8Array): number {
  const n = s.length;
  if (n <= 1) return n; // a single symbol is one component
  let c = 1; // the first symbol is always a component of its own
  let l = 1;
  let i = 0;
  let k = 1;
  let kMax = 1;
  for (;;) {
    // Paper (1-based): compare s[i + k] with s[l + k].
    if (s[i + k - 1] === s[l + k - 1]) {
      k++;
      if (l + k > n) {
        // The rest of the string is a copy: it is the last component.
        c++;
        break;
      }
    } else {
      if (k > kMax) kMax = k;
      i++;
      if (i === l) {
        // Every start inside the parsed prefix has been tried: the new
        // component is the longest copy found plus one new symbol.
        c++;
        l += kMax;
        if (l + 1 > n) break;
        i = 0;
        k = 1;
        kMax = 1;
      } else {
        k = 1;
      }
    }
  }
  return c;
}

/**
 * The Lempel–Ziv (1976) phrase count c(s) of a non-empty binary string (the
 * number of components of its exhaustive history), by the Kaspar–Schuster
 * scan. Example: "0001101001000101" = 0·001·10·100·1000·101, so c = 6.
 */
export function lzPhraseCount(s: BitsLike): number {
  return ksScan(toBitArray(s, 'lzPhraseCount'));
}

/**
 * K_LZ(s) of Dingle et al. (2018): log2(n) for a constant string, otherwise
 * log2(n)·(c(s) + c(reverse s))/2. For n = 128: "0"×128 → 7, "01"×64 → 21,
 * "0"×127+"1" → 17.5, "0011"×32 → 28.
 */
export function lzComplexity(s: BitsLike): number {
  const bits = toBitArray(s, 'lzComplexity');
  const n = bits.length;
  const log2n = Math.log2(n);
  let constant = true;
  for (let j = 1; j < n; j++) {
    if (bits[j] !== bits[0]) {
      constant = false;
      break;
    }
  }
  if (constant) return log2n;
  return (log2n * (ksScan(bits) + ksScan(bits.slice().reverse()))) / 2;
}
