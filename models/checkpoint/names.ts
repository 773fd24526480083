/**
 * Tensor names and shapes of the canonical form (openai/whisper model.py naming), and the
 * mapping from Hugging Face Transformers names, which safetensors and ONNX exports use.
 */
import type { ModelDimensions } from './types.ts';

/** Every tensor a complete checkpoint holds, with its expected shape. */
export function expectedTensors(dims: ModelDimensions): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const s = dims.nAudioState;
  m.set('encoder.conv1.weight', [s, dims.nMels, 3]);
  m.set('encoder.conv1.bias', [s]);
  m.set('encoder.conv2.weight', [s, s, 3]);
  m.set('encoder.conv2.bias', [s]);
  m.set('encoder.positional_embedding', [dims.nAudioCtx, s]);
  for (let i = 0; i < dims.nAudioLayer; i++) addBlock(m, `encoder.blocks.${i}`, s, false);
  m.set('encoder.ln_post.weight', [s]);
  m.set('encoder.ln_post.bias', [s]);

  const t = dims.nTextState;
  m.set('decoder.token_embedding.weight', [dims.nVocab, t]);
  m.set('decoder.positional_embedding', [dims.nTextCtx, t]);
  for (let i = 0; i < dims.nTextLayer; i++) addBlock(m, `decoder.blocks.${i}`, t, true);
  m.set('decoder.ln.weight', [t]);
  m.set('decoder.ln.bias', [t]);
  return m;
}

function addBlock(m: Map<string, number[]>, p: string, n: number, cross: boolean): void {
  addAttention(m, `${p}.attn`, n);
  m.set(`${p}.attn_ln.weight`, [n]);
  m.set(`${p}.attn_ln.bias`, [n]);
  if (cross) {
    addAttention(m, `${p}.cross_attn`, n);
    m.set(`${p}.cross_attn_ln.weight`, [n]);
    m.set(`${p}.cross_attn_ln.bias`, [n]);
  }
  m.set(`${p}.mlp.0.weight`, [4 * n, n]);
  m.set(`${p}.mlp.0.bias`, [4 * n]);
  m.set(`${p}.mlp.2.weight`, [n, 4 * n]);
  m.set(`${p}.mlp.2.bias`, [n]);
  m.set(`${p}.mlp_ln.weight`, [n]);
  m.set(`${p}.mlp_ln.bias`, [n]);
}

function addAttention(m: Map<string, number[]>, p: string, n: number): void {
  m.set(`${p}.query.weight`, [n, n]);
  m.set(`${p}.query.bias`, [n]);
  m.set(`${p}.key.weight`, [n, n]); // Whisper's key projection has no bias
  m.set(`${p}.value.weight`, [n, n]);
  m.set(`${p}.value.bias`, [n]);
  m.set(`${p}.out.weight`, [n, n]);
  m.set(`${p}.out.bias`, [n]);
}

const HF_ATTN: Record<string, string> = {
  q_proj: 'query',
  k_proj: 'key',
  v_proj: 'value',
  out_proj: 'out',
};

/**
 * Maps a Hugging Face Transformers parameter name (with or without the leading 'model.')
 * to the canonical name, or returns undefined for names that have no canonical twin
 * (proj_out.weight, which is tied to the token embedding).
 */
export function hfToCanonical(name: string): string | undefined {
  const n = name.startsWith('model.') ? name.slice('model.'.length) : name;
  const fixed: Record<string, string> = {
    'encoder.conv1.weight': 'encoder.conv1.weight',
    'encoder.conv1.bias': 'encoder.conv1.bias',
    'encoder.conv2.weight': 'encoder.conv2.weight',
    'encoder.conv2.bias': 'encoder.conv2.bias',
    'encoder.embed_positions.weight': 'encoder.positional_embedding',
    'encoder.layer_norm.weight': 'encoder.ln_post.weight',
    'encoder.layer_norm.bias': 'encoder.ln_post.bias',
    'decoder.embed_tokens.weight': 'decoder.token_embedding.weight',
    'decoder.embed_positions.weight': 'decoder.positional_embedding',
    'decoder.layer_norm.weight': 'decoder.ln.weight',
    'decoder.layer_norm.bias': 'decoder.ln.bias',
  };
  if (n in fixed) return fixed[n];
  const m = /^(encoder|decoder)\.layers\.(\d+)\.(.+)\.(weight|bias)$/.exec(n);
  if (!m) return undefined;
  const [, stack, layer, mod, kind] = m;
  const p = `${stack}.blocks.${layer}`;
  const parts = mod!.split('.');
  let canon: string | undefined;
  if (parts.length === 2 && (parts[0] === 'self_attn' || parts[0] === 'encoder_attn')) {
    const proj = HF_ATTN[parts[1]!];
    if (proj) canon = `${parts[0] === 'self_attn' ? 'attn' : 'cross_attn'}.${proj}`;
  } else if (parts.length === 1) {
    canon = (
      {
        self_attn_layer_norm: 'attn_ln',
        encoder_attn_layer_norm: 'cross_attn_ln',
        final_layer_norm: 'mlp_ln',
        fc1: 'mlp.0',
        fc2: 'mlp.2',
      } as Record<string, string>
    )[parts[0]!];
  }
  return canon ? `${p}.${canon}.${kind}` : undefined;
}

/** The inverse of hfToCanonical (with the 'model.' prefix), for writers of HF-layout files. */
export function canonicalToHf(name: string): string {
  const fixed: Record<string, string> = {
    'encoder.positional_embedding': 'model.encoder.embed_positions.weight',
    'encoder.ln_post.weight': 'model.encoder.layer_norm.weight',
    'encoder.ln_post.bias': 'model.encoder.layer_norm.bias',
    'decoder.token_embedding.weight': 'model.decoder.embed_tokens.weight',
    'decoder.positional_embedding': 'model.decoder.embed_positions.weight',
    'decoder.ln.weight': 'model.decoder.layer_norm.weight',
    'decoder.ln.bias': 'model.decoder.layer_norm.bias',
  };
  if (name in fixed) return fixed[name]!;
  if (name.startsWith('encoder.conv')) return `model.${name}`;
  const m = /^(encoder|decoder)\.blocks\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
  if (!m) throw new Error(`not a canonical Whisper tensor name: ${name}`);
  const [, stack, layer, mod, kind] = m;
  const inv: Record<string, string> = {
    attn_ln: 'self_attn_layer_norm',
    cross_attn_ln: 'encoder_attn_layer_norm',
    mlp_ln: 'final_layer_norm',
    'mlp.0': 'fc1',
    'mlp.2': 'fc2',
  };
  let hf = inv[mod!];
  if (!hf) {
    const [att, proj] = mod!.split('.');
    const projHf = Object.entries(HF_ATTN).find(([, v]) => v === proj)?.[0];
    hf = `${att === 'attn' ? 'self_attn' : 'encoder_attn'}.${projHf}`;
  }
  return `model.${stack}.layers.${layer}.${hf}.${kind}`;
}
