/**
 * Node only (bench, tests, the CLI): a live model for a checkpoint: our encoder graph with the
 * chosen audio context on onnxruntime-web WASM, and the WASM Slim decoder with the measured
 * forms of the model where stored (X-cache otherwise), as app/engine/open-engine.ts does.
 */
import { packDecoder } from '../../kernels/decoder/weights.ts';
import { openWasmDecoder } from '../../kernels/wasm/load-node.ts';
import type { WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { SlimError } from '../../models/errors.ts';
import { Weights64 } from '../../models/reference/weights64.ts';
import { convertDecoder } from '../../models/slim/convert.ts';
import type { SelfForm } from '../../models/slim/decoder64.ts';
import { WhisperTokenizer } from '../../models/tokenizer/tokenizer.ts';
import { AudioEncoder } from '../encoder/session.ts';
import { storedForms } from '../engine/open-engine.ts';
import { decoderWithAudioContext, withAudioContext } from './audio-context.ts';
import type { LiveModel } from './streaming.ts';

export interface NodeLiveModel {
  model: LiveModel;
  dispose(): Promise<void>;
}

export async function openLiveModel(
  ckpt: WhisperCheckpoint,
  opts: { nAudioCtx?: number; threads?: number } = {},
): Promise<NodeLiveModel> {
  if (!ckpt.vocab) throw new SlimError('TOKENIZER', `${ckpt.source.path}: the model has no vocabulary`);
  const nAudioCtx = opts.nAudioCtx ?? ckpt.dims.nAudioCtx;
  const forms = storedForms(ckpt) ?? Array<SelfForm>(ckpt.dims.nTextLayer).fill('x-cache');
  const packed = decoderWithAudioContext(
    packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms }),
    nAudioCtx,
  );
  const view = withAudioContext(ckpt, nAudioCtx);
  const encoder = await AudioEncoder.create(view, {
    backend: 'wasm',
    precision: 'fp32',
    ...(opts.threads ? { threads: opts.threads } : {}),
  });
  return {
    model: {
      dims: view.dims,
      tokenizer: WhisperTokenizer.fromVocab(ckpt.vocab, { multilingual: ckpt.multilingual }),
      encoder,
      createSession: (size) => openWasmDecoder(packed, size),
    },
    dispose: () => encoder.dispose(),
  };
}
