/**
 * The Transformers.js ONNX importer's core, free of file access: picks the encoder and decoder
 * files from a listing, names each initializer canonically and reads it (see onnx.ts for the
 * naming rules). onnx.ts feeds it from a folder; the engine worker from the bytes the main
 * process hands it (bytes.ts).
 */
import { expectedTensors, hfToCanonical } from '../checkpoint/names.ts';
import type {
  ModelDimensions,
  SourceDtype,
  Tensor,
  VocabSpec,
  WhisperCheckpoint,
} from '../checkpoint/types.ts';
import { validateCheckpoint } from '../checkpoint/validate.ts';
import { SlimError } from '../errors.ts';
import { sinusoids } from '../fixtures/checkpoint.ts';
import {
  int64,
  type ExternalReader,
  type HostTensor,
  type Int64,
  type ModelProto,
  type NodeProto,
} from '../onnx/proto.ts';
import { GraphIndex, intAttr, readWeight } from '../onnx/weights.ts';
import type { HfWhisperConfig } from './hf-config-json.ts';
import { bfloat16sToFloats, halfsToFloats } from '../numerics/half.ts';

/** Transformers.js dtypes with 8-bit or float weights ('q8' is Transformers.js v3's name for 'quantized'). */
export type TransformersJsVariant = 'fp32' | 'fp16' | 'quantized' | 'q8' | 'int8' | 'uint8';

/** File-name suffixes of each variant, in the order they are looked for. */
export const VARIANT_SUFFIXES: Record<TransformersJsVariant, string[]> = {
  fp32: [''],
  fp16: ['_fp16'],
  quantized: ['_quantized', '_q8'],
  q8: ['_quantized', '_q8'],
  int8: ['_int8'],
  uint8: ['_uint8'],
};

/** The order a variant is picked in when none is asked for: full precision first. */
const PREFERENCE: TransformersJsVariant[] = ['fp32', 'fp16', 'quantized', 'int8', 'uint8'];

export interface TransformersJsOptions {
  variant?: TransformersJsVariant;
}

export interface TransformersJsFiles {
  encoder: string;
  decoder: string;
}

type Stack = 'encoder' | 'decoder';

/** Where a canonical tensor came from: its data, how it was stored, and under what name. */
interface Found {
  tensor: Tensor;
  stored: HostTensor['dtype'];
  from: string;
}

/** One stack's ONNX file: its decoded model, its name for errors, and its external data. */
export interface StackSource {
  model: ModelProto;
  label: string;
  ext: ExternalReader;
}

/** The canonical checkpoint from a Transformers.js export's two graphs, config and vocabulary. */
export function transformersJsCheckpoint(parts: {
  encoder: StackSource;
  decoder: StackSource;
  cfg: HfWhisperConfig;
  vocab: VocabSpec | undefined;
  path: string;
}): WhisperCheckpoint {
  const { cfg, vocab } = parts;
  const expected = expectedTensors(cfg.dims);
  const found = new Map<string, Found>();
  for (const [stack, src] of [
    ['encoder', parts.encoder],
    ['decoder', parts.decoder],
  ] as const) {
    for (const [name, f] of readStackWeights(src, stack, expected)) found.set(name, f);
    requireAll(src.label, stack, expected, found, cfg.dims);
  }
  const tensors = new Map<string, Tensor>();
  for (const [name, f] of found) tensors.set(name, f.tensor);
  const ckpt: WhisperCheckpoint = {
    dims: cfg.dims,
    tensors,
    source: { format: 'transformers-js-onnx', path: parts.path, dtype: sourceDtype(found, expected) },
    multilingual: cfg.multilingual,
    ...(vocab ? { vocab } : {}),
    ...(cfg.alignmentHeads ? { alignmentHeads: cfg.alignmentHeads } : {}),
  };
  validateCheckpoint(ckpt);
  return ckpt;
}

// ---------------------------------------------------------------------------------------------
// Files

/**
 * Picks the encoder and decoder among the file names of an onnx/ folder. With a variant, both
 * must exist in it; without, the first variant (fp32 > fp16 > quantized > int8 > uint8) that
 * has both, else the best of each. A merged decoder is preferred; a plain decoder_model*.onnx
 * holds the same weights (decoder_with_past_model lacks the cross-attention key/value
 * projections, so it is not used). Returns names inside the folder; `onnxDir` names it in errors.
 */
export function pickTransformersJsFiles(
  present: ReadonlySet<string>,
  onnxDir: string,
  variant?: TransformersJsVariant,
): TransformersJsFiles {
  const pick = (stems: string[], v: TransformersJsVariant): string | undefined => {
    for (const suffix of VARIANT_SUFFIXES[v]) {
      for (const stem of stems) if (present.has(`${stem}${suffix}.onnx`)) return `${stem}${suffix}.onnx`;
    }
    return undefined;
  };
  const enc = (v: TransformersJsVariant): string | undefined => pick(['encoder_model'], v);
  const dec = (v: TransformersJsVariant): string | undefined =>
    pick(['decoder_model_merged', 'decoder_model'], v);
  if (variant) {
    const encoder = enc(variant);
    const decoder = dec(variant);
    if (!encoder || !decoder) {
      const missing = !encoder
        ? `encoder_model${VARIANT_SUFFIXES[variant][0]}.onnx`
        : `decoder_model_merged${VARIANT_SUFFIXES[variant][0]}.onnx`;
      throw new SlimError(
        'MODEL_NOT_FOUND',
        `${onnxDir}: no ${missing} for variant ${variant} (present: ${listed(present)})`,
      );
    }
    return { encoder, decoder };
  }
  for (const v of PREFERENCE) {
    const encoder = enc(v);
    const decoder = dec(v);
    if (encoder && decoder) return { encoder, decoder };
  }
  const encoder = PREFERENCE.map(enc).find(Boolean);
  const decoder = PREFERENCE.map(dec).find(Boolean);
  if (encoder && decoder) return { encoder, decoder };
  throw new SlimError(
    [...present].some((f) => /_(q4|q4f16|bnb4)\.onnx$/.test(f)) ? 'MODEL_DTYPE' : 'MODEL_NOT_FOUND',
    `${onnxDir}: no ${encoder ? 'decoder_model_merged' : 'encoder_model'}*.onnx in a supported variant ` +
      `(fp32, fp16, 8-bit; 4-bit exports are not supported) (present: ${listed(present)})`,
  );
}

function listed(present: ReadonlySet<string>): string {
  const onnxFiles = [...present].filter((f) => f.endsWith('.onnx')).sort();
  return onnxFiles.length ? onnxFiles.join(', ') : 'no .onnx files';
}

// ---------------------------------------------------------------------------------------------
// Naming

/** `X_merged_0_quantized` → `X`: the merger's and the quantizer's suffixes. */
function baseName(name: string): string {
  return name.replace(/_quantized$/, '').replace(/_merged_\d+$/, '');
}

/** A (possibly unprefixed) HF parameter name inside one stack's file → canonical name. */
function canonicalFromHf(name: string, stack: Stack): string | undefined {
  let n = name.startsWith('model.') ? name.slice('model.'.length) : name;
  if (n === 'proj_out.weight' || n === 'decoder.proj_out.weight') return PROJ_OUT;
  if (!n.startsWith('encoder.') && !n.startsWith('decoder.')) n = `${stack}.${n}`;
  return n.startsWith(`${stack}.`) ? hfToCanonical(n) : undefined;
}

/** The tied output projection: a fallback source of the token embedding. */
const PROJ_OUT = 'proj_out';

const LINEAR = /(^|\.)(q_proj|k_proj|v_proj|out_proj|fc1|fc2)$/;
const NORM = /(^|\.)(\w*layer_norm)$/;

/** Which parameter of module `mod` an initializer is, from the op consuming it and the input slot. */
function roleOf(mod: string, node: NodeProto, index: number): 'weight' | 'bias' | undefined {
  const op = node.opType ?? '';
  if (LINEAR.test(mod) || mod === 'proj_out') {
    if ((op === 'MatMul' || op === 'MatMulInteger' || op === 'Gemm') && index === 1) return 'weight';
    if ((op === 'Gemm' && index === 2) || op === 'Add') return 'bias';
  } else if (NORM.test(mod)) {
    if (op === 'LayerNormalization') return index === 1 ? 'weight' : index === 2 ? 'bias' : undefined;
    if (op === 'Mul') return 'weight';
    if (op === 'Add') return 'bias';
  } else if (/(^|\.)conv[12]$/.test(mod)) {
    if ((op === 'Conv' || op === 'ConvInteger') && index === 1) return 'weight';
    if ((op === 'Conv' && index === 2) || op === 'Add') return 'bias';
  } else if (/(^|\.)embed_(tokens|positions)$/.test(mod)) {
    return 'weight';
  }
  return undefined;
}

/** '/model/decoder/layers.0/self_attn/k_proj/MatMul_quant' → 'model.decoder.layers.0.self_attn.k_proj'. */
function moduleOf(nodeName: string): string | undefined {
  const parts = nodeName.split('/').filter(Boolean);
  return parts.length >= 2 ? parts.slice(0, -1).join('.') : undefined;
}

/** Canonical names an initializer stands for: from its own name, else from its consumers. */
function candidatesOf(index: GraphIndex, name: string, stack: Stack): string[] {
  const byName = canonicalFromHf(baseName(name), stack);
  if (byName) return [byName];
  const out = new Set<string>();
  for (const u of index.finalUses(name)) {
    const mod = moduleOf(u.node.name ?? '');
    const role = mod ? roleOf(mod, u.node, u.index) : undefined;
    const canon = role ? canonicalFromHf(`${mod}.${role}`, stack) : undefined;
    if (canon) out.add(canon);
  }
  return [...out];
}

/**
 * Whether a Linear weight is stored [in, out]: when it feeds MatMul (y = x·W) or Gemm without
 * transB. Fed through a Transpose, or to Gemm with transB, it is PyTorch's [out, in] already.
 */
function storedInOut(index: GraphIndex, name: string): boolean {
  return index
    .finalUses(name)
    .some(
      (u) =>
        u.index === 1 &&
        (u.node.opType === 'MatMul' ||
          u.node.opType === 'MatMulInteger' ||
          (u.node.opType === 'Gemm' && intAttr(u.node, 'transB', 0) === 0)),
    );
}

// ---------------------------------------------------------------------------------------------
// Reading one file

function toFloat32(t: HostTensor): Float32Array {
  const d = t.data;
  if (t.dtype === 'float16') return halfsToFloats(d as Uint16Array);
  if (t.dtype === 'bfloat16') return bfloat16sToFloats(d as Uint16Array);
  if (d instanceof Float32Array) return d;
  if (d instanceof BigInt64Array) return Float32Array.from(d, (x) => Number(x));
  return Float32Array.from(d);
}

/**
 * [rows, cols] → [cols, rows], in 32×32 tiles so both sides stay in cache; square matrices
 * in place (most attention weights: saves allocating, which dominates on small machines).
 */
function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const B = 32;
  if (rows === cols) {
    for (let r0 = 0; r0 < rows; r0 += B) {
      for (let c0 = r0; c0 < cols; c0 += B) {
        for (let r = r0; r < Math.min(r0 + B, rows); r++) {
          for (let c = Math.max(c0, r + 1); c < Math.min(c0 + B, cols); c++) {
            const t = data[r * cols + c]!;
            data[r * cols + c] = data[c * rows + r]!;
            data[c * rows + r] = t;
          }
        }
      }
    }
    return data;
  }
  const out = new Float32Array(data.length);
  for (let r0 = 0; r0 < rows; r0 += B) {
    for (let c0 = 0; c0 < cols; c0 += B) {
      const r1 = Math.min(r0 + B, rows);
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = data[r * cols + c]!;
    }
  }
  return out;
}

/** Ops of formats we cannot dequantize (4-bit block quantization). */
const UNSUPPORTED_OPS = ['MatMulNBits', 'GatherBlockQuantized', 'MatMulBnb4'];

/** Reads every canonical tensor of one stack that `file` holds. */
function readStackWeights(
  src: StackSource,
  stack: Stack,
  expected: Map<string, number[]>,
): Map<string, Found> {
  const file = src.label;
  const ext = src.ext;
  const index = new GraphIndex(src.model);
  const bad = UNSUPPORTED_OPS.find((op) => index.ops.has(op));
  if (bad)
    throw new SlimError(
      'MODEL_DTYPE',
      `${file}: ${bad} (4-bit) weights are not supported; use an fp32, fp16 or 8-bit export`,
    );
  const found = new Map<string, Found>();
  const projOut: string[] = [];
  for (const name of index.tensors.keys()) {
    for (const canon of candidatesOf(index, name, stack)) {
      if (canon === PROJ_OUT) projOut.push(name);
      else if (!found.has(canon) && expected.has(canon))
        claim(index, name, canon, expected.get(canon)!, file, ext, found);
    }
  }
  const emb = 'decoder.token_embedding.weight';
  if (stack === 'decoder' && !found.has(emb) && projOut[0])
    claim(index, projOut[0], emb, expected.get(emb)!, file, ext, found);
  return found;
}

/** Reads initializer `name` as canonical tensor `canon`, in PyTorch layout, if its size fits. */
function claim(
  index: GraphIndex,
  name: string,
  canon: string,
  shape: number[],
  file: string,
  ext: ExternalReader,
  found: Map<string, Found>,
): void {
  const dims = (index.tensors.get(name)!.dims ?? []).map((d) => int64(d as Int64));
  const n = shape.reduce((a, b) => a * b, 1);
  // Scalars such as a LayerNorm's epsilon also feed the Mul/Add nodes of a module: skip misfits.
  if (dims.reduce((a, b) => a * b, 1) !== n) return;
  const w = readWeight(index, name, file, toFloat32, ext);
  let data = w.data;
  const linear = shape.length === 2 && /\.(query|key|value|out|mlp\.[02])\.weight$/.test(canon);
  const tokenFromProjOut =
    canon === 'decoder.token_embedding.weight' && candidatesOf(index, name, 'decoder')[0] === PROJ_OUT;
  if ((linear && storedInOut(index, name)) || tokenFromProjOut) {
    if (dims.length !== 2) throw shapeError(file, name, canon, dims, shape);
    data = transpose2d(data, dims[0]!, dims[1]!);
  } else if (dims.length !== shape.length || dims.some((d, i) => d !== shape[i])) {
    throw shapeError(file, name, canon, dims, shape);
  }
  found.set(canon, { tensor: { shape, data }, stored: w.stored, from: name });
}

function shapeError(file: string, name: string, canon: string, dims: number[], shape: number[]): SlimError {
  return new SlimError(
    'MODEL_SHAPE',
    `${file}: initializer ${name} (${canon}) has shape [${dims.join(', ')}], expected [${shape.join(', ')}]`,
  );
}

/**
 * Every canonical tensor of `stack` must have been found in its file; the encoder's sinusoidal
 * positions are generated when the export computes them instead of storing them.
 */
function requireAll(
  file: string,
  stack: Stack,
  expected: Map<string, number[]>,
  found: Map<string, Found>,
  dims: ModelDimensions,
): void {
  const pos = 'encoder.positional_embedding';
  if (stack === 'encoder' && !found.has(pos)) {
    found.set(pos, {
      tensor: {
        shape: [dims.nAudioCtx, dims.nAudioState],
        data: sinusoids(dims.nAudioCtx, dims.nAudioState),
      },
      stored: 'float32',
      from: '(generated sinusoids)',
    });
  }
  const missing = [...expected.keys()].filter((k) => k.startsWith(`${stack}.`) && !found.has(k));
  if (missing.length) {
    const more =
      missing.length > 1 ? ` (and ${missing.length - 1} more: ${missing.slice(1, 4).join(', ')}…)` : '';
    throw new SlimError(
      'MODEL_SHAPE',
      `${file}: no weight found for ${missing[0]}${more} in ${file.split(/[/\\]/).pop()}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Source dtype

const STORED: Partial<Record<HostTensor['dtype'], SourceDtype>> = {
  float32: 'f32',
  float64: 'f32',
  float16: 'f16',
  bfloat16: 'bf16',
  int8: 'q8',
  uint8: 'q8',
};

/**
 * One word for the whole checkpoint: the single storage type when there is one; 'q8' when
 * every matrix is 8-bit and the rest (biases, norms, positions: never quantized) float32;
 * otherwise 'mixed'.
 */
function sourceDtype(found: Map<string, Found>, expected: Map<string, number[]>): SourceDtype {
  const all = new Set<SourceDtype>();
  const matrices = new Set<SourceDtype>();
  const rest = new Set<SourceDtype>();
  for (const [name, f] of found) {
    if (f.from === '(generated sinusoids)') continue;
    const kind = STORED[f.stored] ?? 'mixed';
    all.add(kind);
    const quantizable = (expected.get(name)?.length ?? 0) >= 2 && !name.endsWith('positional_embedding');
    (quantizable ? matrices : rest).add(kind);
  }
  if (all.size === 1) return [...all][0]!;
  if (matrices.size === 1 && matrices.has('q8') && [...rest].every((k) => k === 'f32')) return 'q8';
  return 'mixed';
}
