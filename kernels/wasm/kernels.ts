/**
 * The compiled kernel module (assembly/*.as → build/kernels.wasm), typed. Every kernel works on
 * byte addresses into the instance's own linear memory; strides are in floats. The module holds
 * no state, so one instance serves one session (its memory holds that session's weights).
 */

import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.ts';

type Ptr = number;

/** The GEMM arguments after w: bias (0: none), output, its leading dimension, sizes, accumulate. */
type GemmTail = [b: Ptr, y: Ptr, ldy: number, m: number, k: number, n: number, acc: number];

/** The two GEMMs on a row-major w with leading dimension ldw (w as [k, n] or [n, k]). */
type Gemm = (x: Ptr, ldx: number, w: Ptr, ldw: number, ...rest: GemmTail) => void;

/** The two packed-panel GEMMs (fp32 and float64-accumulating): w's layout fixes its strides. */
type PackedGemm = (x: Ptr, ldx: number, w: Ptr, ...rest: GemmTail) => void;

/** Folded attention (X-cache self-attention, Option 2 cross-attention). */
type FoldedAttention = (
  q: Ptr,
  m: number,
  x: Ptr,
  t: number,
  wk: Ptr,
  wv: Ptr,
  out: Ptr,
  a: Ptr,
  s: Ptr,
  u: Ptr,
  d: number,
  h: number,
  causalBase: number,
) => void;

export interface KernelExports {
  memory: WasmMemory;
  /** y[i, j] (+)= Σ_k x[i, k]·w[k, j] + b[j]; n % 4 == 0; b = 0: no bias; acc ≠ 0: y += … */
  gemm_nn: Gemm;
  /** gemm_nn with w packed in panels of 32 columns ([n/32][k][32], pack.ts); n % 32 == 0. */
  gemm_packed: PackedGemm;
  /** gemm_packed accumulating in float64, rounded once: the K projection of K-cache layers. */
  gemm_packed_wide: PackedGemm;
  /** y[i, j] (+)= Σ_k x[i, k]·w[j, k] + b[j]; k % 4 == 0. */
  gemm_nt: Gemm;
  layernorm(
    x: Ptr,
    ldx: number,
    y: Ptr,
    ldy: number,
    rows: number,
    d: number,
    g: Ptr,
    b: Ptr,
    eps: number,
  ): void;
  gelu(x: Ptr, count: number): void;
  embed(tok: Ptr, pos: Ptr, ids: Ptr, positions: Ptr, rows: number, d: number, out: Ptr): void;
  softmax_rows(
    s: Ptr,
    lds: number,
    rows: number,
    n: number,
    scale: number,
    causalBase: number,
    rowsPerQuery: number,
  ): void;
  head_project(u: Ptr, m: number, w: Ptr, out: Ptr, d: number, h: number): void;
  attention_kcache(
    q: Ptr,
    m: number,
    k: Ptr,
    t: number,
    wkv: Ptr,
    out: Ptr,
    s: Ptr,
    u: Ptr,
    d: number,
    h: number,
    causalBase: number,
  ): void;
  attention_folded: FoldedAttention;
  /** attention_folded leaving the attention weights in s, [m·h, t] (row i·h + head). */
  attention_folded_probs: FoldedAttention;
  /** K, V head-major [h][rows][d_k], head i at i·headStride floats. */
  attention_standard(
    q: Ptr,
    m: number,
    k: Ptr,
    v: Ptr,
    t: number,
    headStride: number,
    out: Ptr,
    s: Ptr,
    d: number,
    h: number,
    causalBase: number,
  ): void;
  topk_rows(
    logits: Ptr,
    ldl: number,
    rows: number,
    n: number,
    mask: Ptr,
    k: number,
    ids: Ptr,
    logp: Ptr,
  ): void;
}

const NAMES: ReadonlyArray<keyof KernelExports> = [
  'memory',
  'gemm_nn',
  'gemm_nt',
  'gemm_packed',
  'gemm_packed_wide',
  'layernorm',
  'gelu',
  'embed',
  'softmax_rows',
  'head_project',
  'attention_kcache',
  'attention_folded',
  'attention_folded_probs',
  'attention_standard',
  'topk_rows',
];

/** A fresh instance of the kernel module (its own memory). */
export async function instantiateKernels(module: WasmModule): Promise<KernelExports> {
  const instance = await wasmApi.instantiate(module, { env: { abort: abortHandler } });
  const ex = instance.exports;
  for (const n of NAMES)
    if (!(n in ex)) throw new Error(`WASM kernels: export ${n} missing (rebuild: npm run build:wasm)`);
  return ex as unknown as KernelExports;
}

/** AssemblyScript's abort import (only reachable with assertions compiled in). */
function abortHandler(_msg: number, _file: number, line: number, col: number): never {
  throw new Error(`WASM kernel abort at ${line}:${col}`);
}
