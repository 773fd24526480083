// Per row of logits: optional additive mask (0 or −∞: suppressed tokens), log-softmax over the
// vocabulary, and the k best tokens (ties: lower id first). Logits are left unchanged.
// Outputs ids [rows, k] (i32) and their log-probabilities [rows, k].
import { exp4, hmax } from './vec';

export function topk_rows(logits: usize, ldl: i32, rows: i32, n: i32, mask: usize, k: i32, ids: usize, logp: usize): void {
  for (let r = 0; r < rows; r++) {
    const p = logits + ((<usize>r * <usize>ldl) << 2);
    const oi = ids + ((<usize>r * <usize>k) << 2), ol = logp + ((<usize>r * <usize>k) << 2);
    const logZ = log_sum_exp(p, n, mask);
    select(p, n, mask, k, oi, ol);
    for (let j = 0; j < k; j++) {
      const a = ol + (<usize>j << 2);
      store<f32>(a, load<f32>(a) - logZ);
    }
  }
}

@inline
function value(p: usize, mask: usize, j: i32): f32 {
  const o = <usize>j << 2;
  return mask ? load<f32>(p + o) + load<f32>(mask + o) : load<f32>(p + o);
}

@inline
function value4(p: usize, mask: usize, j: i32): v128 {
  const o = <usize>j << 2;
  return mask ? f32x4.add(v128.load(p + o), v128.load(mask + o)) : v128.load(p + o);
}

function log_sum_exp(p: usize, n: i32, mask: usize): f32 {
  const n4 = n & ~3;
  let mv = f32x4.splat(-Infinity);
  for (let j = 0; j < n4; j += 4) mv = f32x4.max(mv, value4(p, mask, j));
  let m = hmax(mv);
  for (let j = n4; j < n; j++) m = max(m, value(p, mask, j));
  const mm = f32x4.splat(m);
  let sv = f32x4.splat(0);
  for (let j = 0; j < n4; j += 4) sv = f32x4.add(sv, exp4(f32x4.sub(value4(p, mask, j), mm)));
  let sum = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + (f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
  for (let j = n4; j < n; j++) sum += f32x4.extract_lane(exp4(f32x4.splat(value(p, mask, j) - m)), 0);
  return m + Mathf.log(sum);
}

/** Insertion into a sorted list of the k best: O(n) with rare inserts for small k. */
function select(p: usize, n: i32, mask: usize, k: i32, oi: usize, ol: usize): void {
  for (let j = 0; j < k; j++) {
    store<i32>(oi + (<usize>j << 2), -1);
    store<f32>(ol + (<usize>j << 2), -Infinity);
  }
  let worst = -Infinity;
  let filled = 0;
  for (let j = 0; j < n; j++) {
    const v = value(p, mask, j);
    if (filled == k && !(v > worst)) continue;
    let at = filled < k ? filled : k - 1;
    while (at > 0 && v > load<f32>(ol + (<usize>(at - 1) << 2))) {
      store<f32>(ol + (<usize>at << 2), load<f32>(ol + (<usize>(at - 1) << 2)));
      store<i32>(oi + (<usize>at << 2), load<i32>(oi + (<usize>(at - 1) << 2)));
      at--;
    }
    store<f32>(ol + (<usize>at << 2), v);
    store<i32>(oi + (<usize>at << 2), j);
    if (filled < k) filled++;
    worst = load<f32>(ol + (<usize>(k - 1) << 2));
  }
}
