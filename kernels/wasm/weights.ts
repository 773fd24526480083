/**
 * Uploads the packed decoder (kernels/decoder/weights.ts) into the session's WASM memory in the
 * layouts the kernels stream: projections in 32-column panels, the fold weights (the Slim W_K
 * of X-cache layers and of cross-attention) head-major, everything else as is.
 */
import type { PackedDecoder, PackedLayer } from '../decoder/weights.ts';
import type { Heap } from './heap.ts';
import { align } from './heap.ts';
import { packHeads, packPanels, packVocab, paddedVocab } from './pack.ts';

/** plain: as is; panels: [k, n] in 32-column panels; heads: W_K head-major; vocab: packVocab. */
type Layout = 'plain' | 'panels' | 'heads' | 'vocab';

export interface NormPtrs {
  w: number;
  b: number;
}

/** Byte addresses of one layer's weights; 0 for an absent bias. */
export interface LayerPtrs {
  attnLn: NormPtrs;
  wq: number;
  bq: number;
  /** Panels (K projection: baseline, K-cache) or heads (X-cache fold). */
  wk: number;
  /** Panels: V projection (baseline) or W_V / W_KV for the per-head projection (Slim). */
  wv: number;
  bv: number;
  wo: number;
  bo: number;
  crossLn: NormPtrs;
  cwq: number;
  cbq: number;
  /** Heads (Slim fold) or panels (baseline cross K from E). */
  cwk: number;
  cwv: number;
  cbv: number;
  cwo: number;
  cbo: number;
  mlpLn: NormPtrs;
  w1: number;
  b1: number;
  w2: number;
  b2: number;
}

export interface WeightPtrs {
  layers: LayerPtrs[];
  ln: NormPtrs;
  tokenEmbedding: number;
  positionalEmbedding: number;
}

interface Upload {
  data: Float32Array;
  layout: Layout;
  k: number;
  n: number;
}

/** Every array of a layer with its layout, in a fixed order. */
function layerUploads(
  p: PackedDecoder,
  L: PackedLayer,
  l: number,
): Record<keyof LayerPtrs, Upload | [Upload, Upload] | null> {
  const d = p.dims.nTextState;
  const slim = p.variant === 'slim';
  const mat = (data: Float32Array, layout: Layout, k = d, n = d): Upload => ({ data, layout, k, n });
  const vec = (data: Float32Array | null): Upload | null =>
    data ? mat(data, 'plain', 1, data.length) : null;
  const norm = (x: { w: Float32Array; b: Float32Array }): [Upload, Upload] => [vec(x.w)!, vec(x.b)!];
  return {
    attnLn: norm(L.attnLn),
    wq: mat(L.wq, 'panels'),
    bq: vec(L.bq),
    wk: mat(L.wk, p.forms[l] === 'x-cache' ? 'heads' : 'panels'),
    wv: mat(L.wv, 'panels'),
    bv: vec(L.bv),
    wo: mat(L.wo, 'panels'),
    bo: vec(L.bo),
    crossLn: norm(L.crossLn),
    cwq: mat(L.cwq, 'panels'),
    cbq: vec(L.cbq),
    cwk: mat(L.cwk, slim ? 'heads' : 'panels'),
    cwv: mat(L.cwv, 'panels'),
    cbv: vec(L.cbv),
    cwo: mat(L.cwo, 'panels'),
    cbo: vec(L.cbo),
    mlpLn: norm(L.mlpLn),
    w1: mat(L.w1, 'panels', d, 4 * d),
    b1: vec(L.b1),
    w2: mat(L.w2, 'panels', 4 * d, d),
    b2: vec(L.b2),
  };
}

function allUploads(p: PackedDecoder): Upload[] {
  const out: Upload[] = [];
  p.layers.forEach((L, l) => {
    for (const u of Object.values(layerUploads(p, L, l))) if (u) out.push(...(Array.isArray(u) ? u : [u]));
  });
  const plain = (data: Float32Array): Upload => ({ data, layout: 'plain', k: 1, n: data.length });
  out.push(plain(p.ln.w), plain(p.ln.b), vocabUpload(p), plain(p.positionalEmbedding));
  return out;
}

function vocabUpload(p: PackedDecoder): Upload {
  return { data: p.tokenEmbedding, layout: 'vocab', k: p.dims.nTextState, n: p.dims.nVocab };
}

/** Bytes an upload takes in its layout (the vocabulary is padded to whole panels). */
function uploadBytes(u: Upload): number {
  return u.layout === 'vocab' ? paddedVocab(u.n) * u.k * 4 : u.data.byteLength;
}

/** Bytes the weights take in the heap (each array aligned). */
export function weightBytes(p: PackedDecoder): number {
  return allUploads(p).reduce((n, u) => n + align(uploadBytes(u)), 0);
}

/** Copies one array into a new weights region, packing it into its layout on the way. */
function put(heap: Heap, u: Upload, nHead: number): number {
  const r = heap.alloc(uploadBytes(u), 'weights');
  const view = heap.f32(r);
  if (u.layout === 'panels') packPanels(u.data, u.k, u.n, view);
  else if (u.layout === 'heads') packHeads(u.data, u.k, nHead, view);
  else if (u.layout === 'vocab') packVocab(u.data, u.n, u.k, view);
  else view.set(u.data);
  return r.ptr;
}

export function uploadWeights(heap: Heap, p: PackedDecoder): WeightPtrs {
  const h = p.dims.nTextHead;
  const plain = (data: Float32Array) => put(heap, { data, layout: 'plain', k: 1, n: data.length }, h);
  const layers = p.layers.map((L, l) => {
    const ptrs: Record<string, number | NormPtrs> = {};
    for (const [key, u] of Object.entries(layerUploads(p, L, l))) {
      if (Array.isArray(u)) ptrs[key] = { w: put(heap, u[0], h), b: put(heap, u[1], h) };
      else ptrs[key] = u ? put(heap, u, h) : 0;
    }
    return ptrs as unknown as LayerPtrs; // keys are exactly LayerPtrs' (layerUploads' record type)
  });
  return {
    layers,
    ln: { w: plain(p.ln.w), b: plain(p.ln.b) },
    tokenEmbedding: put(heap, vocabUpload(p), h),
    positionalEmbedding: plain(p.positionalEmbedding),
  };
}
