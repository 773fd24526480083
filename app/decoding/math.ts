/** Float64 numerics shared by the logit filters, token selectors and language detection. */

type Row = ArrayLike<number>;

/** Largest value of row[from, to), −Infinity when the range is empty or fully masked. */
export function maxOf(row: Row, from = 0, to = row.length): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) if (row[i]! > max) max = row[i]!;
  return max;
}

/** Index of the first largest value (torch.argmax and np.argmax pick the first on ties). */
export function argmax(row: Row, from = 0, to = row.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

/** log Σ exp(row[from, to)), stable; −Infinity when every value is −Infinity. */
export function logSumExp(row: Row, from = 0, to = row.length): number {
  const max = maxOf(row, from, to);
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let i = from; i < to; i++) sum += Math.exp(row[i]! - max);
  return max + Math.log(sum);
}

export function logSoftmax(row: Row): Float64Array {
  const z = logSumExp(row);
  const out = new Float64Array(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i]! - z;
  return out;
}

export function softmax(row: Row): Float64Array {
  const out = logSoftmax(row);
  for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]!);
  return out;
}

/** The k largest values' indices, best first; ties keep the lower index first. */
export function topK(row: Row, k: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    if (ids.length === k) {
      if (v <= row[ids[k - 1]!]!) continue;
      ids.pop();
    }
    let j = ids.length;
    while (j > 0 && v > row[ids[j - 1]!]!) j--;
    ids.splice(j, 0, i);
  }
  return ids;
}

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Python's list[-k:] for any integer k (k = 0 keeps everything, as Python does). */
export function pyTail<T>(list: readonly T[], k: number): T[] {
  return k === 0 ? [...list] : list.slice(-k);
}
