/**
 * timing.py median_filter: a running median of odd width along the last axis of a
 * [rows, cols] matrix, reflect-padded (the edge value is not repeated). Rows no longer than
 * the half width are returned unchanged, as Whisper does.
 */
export function medianFilterRows(x: Float64Array, rows: number, cols: number, width: number): Float64Array {
  if (width <= 0 || width % 2 !== 1) throw new RangeError('the median filter width must be odd');
  const pad = width >> 1;
  if (cols <= pad) return x.slice();
  const out = new Float64Array(rows * cols);
  const win = new Float64Array(width);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) {
      for (let k = 0; k < width; k++) win[k] = x[o + reflect(c - pad + k, cols)]!;
      win.sort();
      out[o + c] = win[pad]!;
    }
  }
  return out;
}

/** numpy/torch 'reflect' padding index. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  let j = i;
  while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j;
  return j;
}
