/** Top-k by log-probability on the CPU: the reference for the GPU and WASM reductions. */

/** log-softmax of row (+ mask), then the k best ids with their log-probabilities, best first. */
export function topKLogProbs(
  row: Float32Array | Float64Array,
  k: number,
  suppress?: Float32Array,
): { ids: Int32Array; logProbs: Float32Array } {
  const n = row.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = row[i]! + (suppress ? suppress[i]! : 0);
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = row[i]! + (suppress ? suppress[i]! : 0);
    if (v !== -Infinity) sum += Math.exp(v - max);
  }
  const logZ = max + Math.log(sum);
  const ids = new Int32Array(k).fill(-1);
  const vals = new Float64Array(k).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const v = row[i]! + (suppress ? suppress[i]! : 0);
    if (v <= vals[k - 1]!) continue;
    let j = k - 1; // insertion into the sorted list; ties keep the lower id first
    while (j > 0 && v > vals[j - 1]!) {
      vals[j] = vals[j - 1]!;
      ids[j] = ids[j - 1]!;
      j--;
    }
    vals[j] = v;
    ids[j] = i;
  }
  const logProbs = new Float32Array(k);
  for (let j = 0; j < k; j++) logProbs[j] = vals[j]! - logZ;
  return { ids, logProbs };
}
