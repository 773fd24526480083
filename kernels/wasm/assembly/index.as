// The decoder kernels' module: every export is one op over raw pointers into this module's
// linear memory, which the TypeScript session lays out (kernels/wasm/heap.ts).
export { gemm_nn, gemm_nt, gemm_packed } from './gemm';
export { gemm_packed_wide } from './gemm_wide';
export { layernorm } from './layernorm';
export { gelu } from './gelu';
export { embed } from './embedding';
export { softmax_rows } from './softmax';
export { head_project } from './heads';
export { attention_kcache } from './attention_kcache';
export { attention_folded, attention_folded_probs } from './attention_folded';
export { attention_standard } from './attention_standard';
export { topk_rows } from './topk';
