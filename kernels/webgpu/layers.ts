/**
 * The decoder's dispatches, bound once per session: per layer the self-attention (Slim K-cache,
 * Slim X-cache or baseline), the cross-attention (Option 2 from E, or baseline from cross K/V),
 * the MLP; then the final LayerNorm and the tied logits.
 */
import type { ModelDimensions } from '../../models/checkpoint/types.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import type { BufferLedger } from './buffers.ts';
import type { Bound } from './kernel.ts';
import type { GpuLayer, GpuWeights } from './gpu-weights.ts';
import type { Tuning, Tile } from './tuning.ts';
import { linear, type LinearConfig, type LinearShape } from './linear.ts';
import { layerNorm } from './layernorm.ts';
import { scatterRows } from './scatter.ts';
import { attend, attendShapeOf, type AttendConfig, type AttendShape } from './attend.ts';
import { embed } from './embed.ts';
import { attendRows, attendRowsWorkgroupBytes, attendSplits } from './attend-rows.ts';

/** Activations of one call, [maxRows, …] each. */
export interface Workspace {
  run: GPUBuffer;
  rowInfo: GPUBuffer;
  x: GPUBuffer;
  y: GPUBuffer;
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  /** Folded queries [maxRows, h, d]. */
  a: GPUBuffer;
  /** Weighted sums of stored rows [maxRows, h, d]. */
  u: GPUBuffer;
  /** Split-keys partials of the all-heads attention (Slim only; attend-rows.ts). */
  part: GPUBuffer | null;
  o: GPUBuffer;
  hidden: GPUBuffer;
  final: GPUBuffer;
  logits: GPUBuffer;
}

/** Per layer: the self-attention cache(s), and the audio side (E slots, or cross K/V). */
export interface LayerStore {
  /** K (K-cache form), Y (X-cache form) or baseline K: [maxBatch, nTextCtx, d]. */
  cache: GPUBuffer;
  /** Baseline V cache. */
  vCache: GPUBuffer | null;
  /** Slim: E [maxGroups, nAudioCtx, d] (one buffer for all layers); baseline: cross K. */
  audioK: GPUBuffer;
  /** Baseline: cross V; Slim: E again. */
  audioV: GPUBuffer;
}

export type LayerForm = SelfForm | 'baseline';

interface Ctx {
  ledger: BufferLedger;
  dims: ModelDimensions;
  tuning: Tuning;
  ws: Workspace;
  weights: GpuWeights;
  attendCfg: AttendConfig;
}

function cfg(c: Ctx, tile: Tile, extra: Partial<LinearConfig> = {}): LinearConfig {
  return {
    layout: 'kn',
    weights: c.weights.precision,
    bias: false,
    residual: false,
    gelu: false,
    rowsFrom: 'rows',
    ...tile,
    ...extra,
  };
}

function proj(
  c: Ctx,
  label: string,
  x: GPUBuffer,
  w: GPUBuffer,
  y: GPUBuffer,
  b: GPUBuffer | null,
  o: Partial<LinearConfig> = {},
  s?: LinearShape,
): Bound {
  const d = c.dims.nTextState;
  return linear(c.ledger, label, cfg(c, c.tuning.linear, { bias: !!b, ...o }), s ?? { K: d, N: d }, {
    run: c.ws.run,
    x,
    w,
    y,
    ...(b ? { bias: b } : {}),
  });
}

/** a[r, h, :] = q[r, h·dk …]·W_K[:, h·dk …]ᵀ for all heads. */
function fold(c: Ctx, label: string, wk: GPUBuffer): Bound {
  const { nTextState: d, nTextHead: h } = c.dims;
  const dk = d / h;
  const shape: LinearShape = {
    K: dk,
    N: h * d,
    xRowStride: d,
    xHeadCols: d,
    xHeadStride: dk,
    wHeadCols: d,
    wRowStride: d,
    wHeadStride: dk,
    yRowStride: h * d,
  };
  return linear(c.ledger, label, cfg(c, c.tuning.fold, { layout: 'nk' }), shape, {
    run: c.ws.run,
    x: c.ws.q,
    w: wk,
    y: c.ws.a,
  });
}

/** o[r, h·dk + c] = Σ_k u[r, h, k]·W[k, h·dk + c]. */
function headProj(c: Ctx, label: string, w: GPUBuffer, weights = c.weights.precision): Bound {
  const { nTextState: d, nTextHead: h } = c.dims;
  const shape: LinearShape = { K: d, N: d, xRowStride: h * d, xHeadCols: d / h, xHeadStride: d };
  const t = c.tuning.headProj;
  // fp32 weights in an fp16 session (W_KV): same columns per workgroup, one per thread.
  const tile =
    weights === c.weights.precision
      ? t
      : { ...t, workgroup: t.workgroup * t.colsPerThread, colsPerThread: 1 };
  return linear(c.ledger, label, cfg(c, tile, { weights }), shape, {
    run: c.ws.run,
    x: c.ws.u,
    w,
    y: c.ws.o,
  });
}

function attendShape(c: Ctx, source: 'self' | 'cross', q: 'head' | 'folded', v: 'row' | 'head'): AttendShape {
  const { nTextState: d, nTextHead: heads, nTextCtx, nAudioCtx } = c.dims;
  return attendShapeOf(source, { heads, d, slotRows: source === 'self' ? nTextCtx : nAudioCtx }, q, v);
}

function att(
  c: Ctx,
  label: string,
  s: AttendShape,
  q: GPUBuffer,
  keys: GPUBuffer,
  values: GPUBuffer,
  out: GPUBuffer,
): Bound {
  const { workgroup, chunk, splitKeys } = c.tuning.attendRows;
  const splits = c.ws.part ? attendSplits(s.slotRows, splitKeys) : 1;
  const rows = {
    heads: s.heads,
    width: s.rowWidth,
    qWidth: s.qWidth,
    workgroup,
    chunk,
    splits,
    keysPerSplit: splitKeys,
  };
  const fits = attendRowsWorkgroupBytes(rows) <= c.ledger.device.limits.maxComputeWorkgroupStorageSize;
  const cols = Math.ceil(s.rowWidth / rows.workgroup);
  if (c.tuning.slimAttention === 'rows' && s.vHeadOffset === 0 && fits && cols * s.heads <= 64) {
    const b = {
      run: c.ws.run,
      rowInfo: c.ws.rowInfo,
      q,
      keys,
      values,
      out,
      partials: c.ws.part ?? undefined,
    };
    return attendRows(c.ledger, label, rows, s, b);
  }
  return attend(c.ledger, label, c.attendCfg, s, {
    run: c.ws.run,
    rowInfo: c.ws.rowInfo,
    q,
    keys,
    values,
    out,
  });
}

function scatter(c: Ctx, label: string, src: GPUBuffer, cache: GPUBuffer): Bound {
  const { nTextState: d, nTextCtx } = c.dims;
  return scatterRows(c.ledger, label, d, nTextCtx, { run: c.ws.run, rowInfo: c.ws.rowInfo, src, cache });
}

function ln(c: Ctx, label: string, n: { w: GPUBuffer; b: GPUBuffer }): Bound {
  const ws = c.ws;
  return layerNorm(c.ledger, label, 'rows', c.dims.nTextState, {
    run: ws.run,
    x: ws.x,
    gamma: n.w,
    beta: n.b,
    y: ws.y,
  });
}

function selfAttention(c: Ctx, p: string, W: GpuLayer, form: LayerForm, st: LayerStore): Bound[] {
  const ws = c.ws;
  const ops = [ln(c, `${p}.ln1`, W.attnLn), proj(c, `${p}.q`, ws.y, W.wq, ws.q, W.bq)];
  if (form === 'k-cache') {
    ops.push(
      proj(c, `${p}.k`, ws.y, W.wk, ws.k, null),
      scatter(c, `${p}.kstore`, ws.k, st.cache),
      att(c, `${p}.attend`, attendShape(c, 'self', 'head', 'row'), ws.q, st.cache, st.cache, ws.u),
      headProj(c, `${p}.wkv`, W.wv, 'f32'),
    );
  } else if (form === 'x-cache') {
    ops.push(
      scatter(c, `${p}.ystore`, ws.y, st.cache),
      fold(c, `${p}.fold`, W.wk),
      att(c, `${p}.attend`, attendShape(c, 'self', 'folded', 'row'), ws.a, st.cache, st.cache, ws.u),
      headProj(c, `${p}.wv`, W.wv),
    );
  } else {
    ops.push(
      proj(c, `${p}.k`, ws.y, W.wk, ws.k, null),
      proj(c, `${p}.v`, ws.y, W.wv, ws.v, W.bv),
      scatter(c, `${p}.kstore`, ws.k, st.cache),
      scatter(c, `${p}.vstore`, ws.v, st.vCache!),
      att(c, `${p}.attend`, attendShape(c, 'self', 'head', 'head'), ws.q, st.cache, st.vCache!, ws.o),
    );
  }
  ops.push(proj(c, `${p}.out`, ws.o, W.wo, ws.x, W.bo, { residual: true }));
  return ops;
}

function crossAttention(c: Ctx, p: string, W: GpuLayer, form: LayerForm, st: LayerStore): Bound[] {
  const ws = c.ws;
  const ops = [
    layerNorm(c.ledger, `${p}.ln2`, 'rows', c.dims.nTextState, {
      run: ws.run,
      x: ws.x,
      gamma: W.crossLn.w,
      beta: W.crossLn.b,
      y: ws.y,
    }),
    proj(c, `${p}.cq`, ws.y, W.cwq, ws.q, W.cbq),
  ];
  if (form === 'baseline') {
    ops.push(
      att(c, `${p}.cattend`, attendShape(c, 'cross', 'head', 'head'), ws.q, st.audioK, st.audioV, ws.o),
    );
  } else {
    ops.push(
      fold(c, `${p}.cfold`, W.cwk),
      att(c, `${p}.cattend`, attendShape(c, 'cross', 'folded', 'row'), ws.a, st.audioK, st.audioV, ws.u),
      headProj(c, `${p}.cwv`, W.cwv),
    );
  }
  ops.push(proj(c, `${p}.cout`, ws.o, W.cwo, ws.x, W.cbo, { residual: true }));
  return ops;
}

function mlp(c: Ctx, p: string, W: GpuLayer): Bound[] {
  const ws = c.ws;
  const d = c.dims.nTextState;
  return [
    layerNorm(c.ledger, `${p}.ln3`, 'rows', d, {
      run: ws.run,
      x: ws.x,
      gamma: W.mlpLn.w,
      beta: W.mlpLn.b,
      y: ws.y,
    }),
    proj(c, `${p}.fc1`, ws.y, W.w1, ws.hidden, W.b1, { gelu: true }, { K: d, N: 4 * d }),
    proj(c, `${p}.fc2`, ws.hidden, W.w2, ws.x, W.b2, { residual: true }, { K: 4 * d, N: d }),
  ];
}

export interface DecoderOps {
  /** Embedding and the layers: every row of the call. */
  body: Bound[];
  /** Final LayerNorm of the rows whose logits are wanted, and the tied logits. */
  head: Bound[];
}

export function buildOps(
  ledger: BufferLedger,
  dims: ModelDimensions,
  tuning: Tuning,
  ws: Workspace,
  weights: GpuWeights,
  forms: LayerForm[],
  stores: LayerStore[],
): DecoderOps {
  const d = dims.nTextState;
  const attendCfg: AttendConfig = {
    maxKeys: Math.max(dims.nTextCtx, dims.nAudioCtx),
    maxQuery: d,
    workgroup: tuning.attendWorkgroup,
  };
  const c: Ctx = { ledger, dims, tuning, ws, weights, attendCfg };
  const body: Bound[] = [
    embed(ledger, 'embed', weights.precision, d, {
      run: ws.run,
      rowInfo: ws.rowInfo,
      tokens: weights.tokenEmbedding,
      positions: weights.positionalEmbedding,
      x: ws.x,
    }),
  ];
  weights.layers.forEach((W, l) => {
    const p = `layer${l}`;
    body.push(
      ...selfAttention(c, p, W, forms[l]!, stores[l]!),
      ...crossAttention(c, p, W, forms[l]!, stores[l]!),
      ...mlp(c, p, W),
    );
  });
  const head: Bound[] = [
    layerNorm(ledger, 'lnFinal', 'outCount', d, {
      run: ws.run,
      x: ws.x,
      gamma: weights.ln.w,
      beta: weights.ln.b,
      y: ws.final,
    }),
    linear(
      ledger,
      'logits',
      cfg(c, tuning.logits, { layout: 'nk', rowsFrom: 'outCount' }),
      { K: d, N: dims.nVocab },
      {
        run: ws.run,
        x: ws.final,
        w: weights.tokenEmbedding,
        y: ws.logits,
      },
    ),
  ];
  return { body, head };
}
