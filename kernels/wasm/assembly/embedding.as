// Token + position embedding: out[r] = tok[ids[r]] + pos[positions[r]] (ids, positions: i32).
export function embed(tok: usize, pos: usize, ids: usize, positions: usize, rows: i32, d: i32, out: usize): void {
  const row = <usize>d << 2;
  for (let r = 0; r < rows; r++) {
    const o: usize = <usize>r << 2;
    const tr = tok + <usize>load<i32>(ids + o) * row;
    const pr = pos + <usize>load<i32>(positions + o) * row;
    const yr = out + <usize>r * row;
    for (let c: usize = 0; c < row; c += 16) v128.store(yr + c, f32x4.add(v128.load(tr + c), v128.load(pr + c)));
  }
}
