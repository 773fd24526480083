// Token + position embedding: out[r] = tok[ids[r]] + pos[positions[r]] (ids, positions: i32).
// tok is the tied embedding in vocabulary panels ([nVocabPad/32][d][32], pack.ts packVocab: the
// layout the logits GEMM streams), so a token's row is a gather with a 32-float stride.
export function embed(tok: usize, pos: usize, ids: usize, positions: usize, rows: i32, d: i32, out: usize): void {
  const row = <usize>d << 2;
  for (let r = 0; r < rows; r++) {
    const o: usize = <usize>r << 2;
    const id = <usize>load<i32>(ids + o);
    const tp = tok + (((id >> 5) * <usize>d * 32 + (id & 31)) << 2);
    const pr = pos + <usize>load<i32>(positions + o) * row;
    const yr = out + <usize>r * row;
    for (let c: usize = 0; c < <usize>d; c++) {
      store<f32>(yr + (c << 2), load<f32>(tp + (c << 7)) + load<f32>(pr + (c << 2)));
    }
  }
}
