/**
 * timing.py dtw_cpu + backtrace: the monotonic alignment of text rows to time columns with the
 * least total cost. Costs accumulate in float32, ties prefer the horizontal step, as Whisper's.
 */
export interface DtwPath {
  textIndices: Int32Array;
  timeIndices: Int32Array;
}

export function dtw(x: Float64Array, n: number, m: number): DtwPath {
  const W = m + 1;
  const cost = new Float32Array((n + 1) * W).fill(Infinity);
  const trace = new Int8Array((n + 1) * W).fill(-1);
  cost[0] = 0;
  for (let j = 1; j <= m; j++) {
    for (let i = 1; i <= n; i++) {
      const c0 = cost[(i - 1) * W + j - 1]!;
      const c1 = cost[(i - 1) * W + j]!;
      const c2 = cost[i * W + j - 1]!;
      let c: number;
      let t: number;
      if (c0 < c1 && c0 < c2) [c, t] = [c0, 0];
      else if (c1 < c0 && c1 < c2) [c, t] = [c1, 1];
      else [c, t] = [c2, 2];
      cost[i * W + j] = x[(i - 1) * m + j - 1]! + c;
      trace[i * W + j] = t;
    }
  }
  return backtrace(trace, n, m);
}

function backtrace(trace: Int8Array, n: number, m: number): DtwPath {
  const W = m + 1;
  for (let j = 0; j <= m; j++) trace[j] = 2;
  for (let i = 0; i <= n; i++) trace[i * W] = 1;
  const text: number[] = [];
  const time: number[] = [];
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    text.push(i - 1);
    time.push(j - 1);
    const t = trace[i * W + j];
    if (t === 0) [i, j] = [i - 1, j - 1];
    else if (t === 1) i--;
    else if (t === 2) j--;
    else throw new Error(`dtw: unexpected trace[${i}, ${j}]`);
  }
  return { textIndices: Int32Array.from(text.reverse()), timeIndices: Int32Array.from(time.reverse()) };
}
