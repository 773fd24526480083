/**
 * Short shared clips (≤ 4 s: the ten Harvard sentences and leopard-ko) and jfk.wav on the
 * real whisper-base decoder on WebGPU (SwiftShader, see gpu.ts): our fp32 encoder graph on
 * onnxruntime-web WASM encodes the first 30 s window once, then greedy decoding (raw argmax of the
 * on-GPU top-k, up to <|endoftext|> or 224 tokens) from
 * <|startoftranscript|><|lang|><|transcribe|><|notimestamps|> by Slim (calibrated forms: the stored
 * conversion record's, else k,k,k,x,k,k) and the baseline on WebGPU must give the tokens the WASM
 * baseline gives. A difference would be accepted only at a near-tie of the WASM baseline's top-2
 * logits (see tests/kernels/decoder/clips.ts); none is seen: WEBGPU_CLIPS=all passed on all 12
 * clips (leopard-ko included, whose top-2 gap falls to 0.008), in 31 min on the loaded shared
 * machine; the default two take ~4 min there.
 * Slow (SwiftShader runs a base step in about a second on the shared machine): *.slow.test.ts.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readAudioFile } from '../../../app/audio/read.ts';
import { storedForms } from '../../../app/engine/open-engine.ts';
import { AudioEncoder } from '../../../app/encoder/session.ts';
import type { DecoderSession } from '../../../kernels/decoder/types.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { openWasmDecoder } from '../../../kernels/wasm/load-node.ts';
import { WebGPUDecoderSession } from '../../../kernels/webgpu/session.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { logMelWindow } from '../../../models/features/log-mel.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import { AUDIO_DIR, BASE_MODEL_DIR } from '../../helpers/shared.ts';
import { compareGreedy, greedy, readTranscripts } from '../decoder/clips.ts';
import { ensureWasm } from '../wasm/harness.ts';
import { testGpu } from './gpu.ts';

const MAX_TOKENS = 224;
const MAX_SECONDS = 4;
const CALIBRATED: SelfForm[] = ['k-cache', 'k-cache', 'k-cache', 'x-cache', 'k-cache', 'k-cache'];

const transcripts = readTranscripts(join(AUDIO_DIR, 'transcripts.tsv'));

let ckpt: WhisperCheckpoint;
let tokenizer: WhisperTokenizer;
let encoder: AudioEncoder;
let wasm: DecoderSession;
const gpu: Array<{ name: string; session: DecoderSession }> = [];

before(async () => {
  await ensureWasm();
  ckpt = await loadCheckpoint(BASE_MODEL_DIR);
  tokenizer = WhisperTokenizer.fromVocab(ckpt.vocab!, { multilingual: ckpt.multilingual });
  const forms = storedForms(ckpt) ?? CALIBRATED;
  const slim = packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms });
  const baseline = packDecoder(ckpt, 'baseline');
  const size = { maxBatch: 1, maxGroups: 1 };
  const ctx = await testGpu();
  gpu.push({
    name: `WebGPU Slim (${forms.map((f) => f[0]).join(',')})`,
    session: new WebGPUDecoderSession(ctx, slim, size),
  });
  gpu.push({ name: 'WebGPU baseline', session: new WebGPUDecoderSession(ctx, baseline, size) });
  wasm = await openWasmDecoder(baseline, size);
  encoder = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
});

after(async () => {
  for (const d of gpu) d.session.dispose();
  wasm?.dispose();
  await encoder?.dispose();
});

/**
 * The clips: WEBGPU_CLIPS=all takes every clip ≤ 4 s and jfk.wav; by default two of the shortest
 * transcripts, a man's and a woman's voice (SwiftShader takes ~1 s a step on a quiet machine).
 */
const ALL = [...transcripts.keys()].filter(
  (f) => f.startsWith('harvard-') || f === 'leopard-ko.wav' || f === 'jfk.wav',
);
const CLIPS = process.env.WEBGPU_CLIPS === 'all' ? ALL : ['harvard-spk1_snt1.wav', 'harvard-spk2_snt2.wav'];

for (const clip of CLIPS) {
  test(`${clip}: WebGPU Slim and WebGPU baseline decode the WASM baseline's greedy tokens`, async () => {
    const entry = transcripts.get(clip)!;
    const audio = await readAudioFile(join(AUDIO_DIR, clip));
    if (clip !== 'jfk.wav')
      assert.ok(audio.durationMs <= MAX_SECONDS * 1000, `${clip} is longer than ${MAX_SECONDS} s`);
    const xa = await encoder.encode(logMelWindow(audio.samples, ckpt.dims.nMels));
    const prompt = [...tokenizer.sotSequence({ language: entry.language }), tokenizer.noTimestamps];
    await wasm.setAudio([xa]);
    const ref = {
      name: 'WASM baseline',
      session: wasm,
      run: await greedy(wasm, prompt, tokenizer.eot, MAX_TOKENS),
    };
    console.log(
      `  ${clip} (${(audio.durationMs / 1000).toFixed(1)} s): ${ref.run.tokens.length} tokens, ` +
        `min top-2 gap ${ref.run.minGap.toFixed(3)}: ${tokenizer.decode(ref.run.tokens).trim()}`,
    );
    for (const { name, session } of gpu) {
      const t0 = performance.now();
      await session.setAudio([xa]);
      const run = await greedy(session, prompt, tokenizer.eot, MAX_TOKENS);
      console.log(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await compareGreedy({ name, session, run }, ref, prompt);
    }
  });
}
