// Row softmax of attention scores with the 1/sqrt(d_k) scale and an optional causal limit:
// row r belongs to query q = r / rowsPerQuery (the heads of one query are consecutive rows)
// and sees columns [0, causalBase + q + 1) when causalBase ≥ 0, else all n. Masked columns get 0.
import { exp4, hmax } from './vec';

export function softmax_rows(s: usize, lds: i32, rows: i32, n: i32, scale: f32, causalBase: i32, rowsPerQuery: i32): void {
  for (let r = 0; r < rows; r++) {
    const p = s + ((<usize>r * <usize>lds) << 2);
    const limit = causalBase < 0 ? n : min(n, causalBase + r / rowsPerQuery + 1);
    softmax_row(p, limit, scale);
    for (let j = limit; j < n; j++) store<f32>(p + (<usize>j << 2), 0);
  }
}

function softmax_row(p: usize, n: i32, scale: f32): void {
  const n4 = n & ~3;
  let mv = f32x4.splat(-Infinity);
  for (let j = 0; j < n4; j += 4) mv = f32x4.max(mv, v128.load(p + (<usize>j << 2)));
  let m = hmax(mv);
  for (let j = n4; j < n; j++) m = max(m, load<f32>(p + (<usize>j << 2)));
  const mm = f32x4.splat(m), sc = f32x4.splat(scale);
  let sv = f32x4.splat(0);
  for (let j = 0; j < n4; j += 4) {
    const a = p + (<usize>j << 2);
    const e = exp4(f32x4.mul(f32x4.sub(v128.load(a), mm), sc));
    v128.store(a, e);
    sv = f32x4.add(sv, e);
  }
  let sum = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
  for (let j = n4; j < n; j++) {
    const a = p + (<usize>j << 2);
    const e = f32x4.extract_lane(exp4(f32x4.splat((load<f32>(a) - m) * scale)), 0);
    store<f32>(a, e);
    sum += e;
  }
  const inv = f32x4.splat(<f32>1 / sum);
  for (let j = 0; j < n4; j += 4) {
    const a = p + (<usize>j << 2);
    v128.store(a, f32x4.mul(v128.load(a), inv));
  }
  const invs = <f32>1 / sum;
  for (let j = n4; j < n; j++) {
    const a = p + (<usize>j << 2);
    store<f32>(a, load<f32>(a) * invs);
  }
}
