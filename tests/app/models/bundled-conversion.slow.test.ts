/**
 * The conversion record shipped for the embedded base model (app/models/bundled-conversions.json,
 * made by `npm run calibrate:bundled`): it belongs to the embedded weights and files, and its
 * measurements hold up when measured again. A full calibration (five clips) takes minutes on
 * 2 cores, so one short clip is measured again and compared within a tolerance.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { join } from 'node:path';
import { AudioEncoder } from '../../../app/encoder/session.ts';
import { calibrationTokens, loadCalibrationClips } from '../../../app/models/calibration.ts';
import { BUNDLED_RECORDS, findRecord, findRecordBySource } from '../../../app/models/conversion.ts';
import { modelSourceFiles, sourceDigest } from '../../../app/models/model-source.ts';
import type { WhisperCheckpoint } from '../../../models/checkpoint/types.ts';
import { checkpointFingerprint } from '../../../models/checkpoint/fingerprint.ts';
import { loadCheckpoint } from '../../../models/import/load.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { calibrate } from '../../../models/slim/calibrate.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import { AUDIO_DIR, BASE_MODEL_DIR } from '../../helpers/shared.ts';

describe('bundled conversion record of the embedded base model', () => {
  let ckpt: WhisperCheckpoint;
  let fingerprint: string;
  before(async () => {
    ckpt = await loadCheckpoint(BASE_MODEL_DIR);
    fingerprint = checkpointFingerprint(ckpt);
  });

  it('is found by the weights fingerprint and by the digest of the files the app serves', async () => {
    const record = findRecord(fingerprint, null);
    assert.ok(record, `no bundled record for ${fingerprint}`);
    assert.ok(record.calibration, 'the bundled record is measured');
    assert.equal(record.selfAttention.length, ckpt.dims.nTextLayer);
    const digest = await sourceDigest(await modelSourceFiles('transformers-js-onnx', BASE_MODEL_DIR));
    assert.equal(findRecordBySource(digest, null), record);
    // Not every layer on one form: the record carries measured choices, not a default.
    assert.ok(record.selfAttention.some((l) => l.form === 'k-cache'));
    assert.equal(BUNDLED_RECORDS.filter((r) => r.fingerprint === fingerprint).length, 1);
  });

  it('re-measures within tolerance on one clip', async () => {
    const record = findRecord(fingerprint, null)!;
    const clipName = 'harvard-spk1_snt1.wav';
    assert.ok(record.calibration!.clips.some((c) => c.name === clipName));
    const encoder = await AudioEncoder.create(ckpt, { backend: 'wasm', precision: 'fp32' });
    let clips;
    try {
      clips = await loadCalibrationClips([join(AUDIO_DIR, clipName)], ckpt, async (mel) =>
        Float64Array.from(await encoder.encode(mel)),
      );
    } finally {
      await encoder.dispose();
    }
    const w = new Weights64(ckpt);
    const fresh = calibrate(w, ckpt.dims, convertDecoder(w, ckpt), clips, calibrationTokens(ckpt), {
      threshold: record.calibration!.threshold,
    });
    assert.equal(
      fresh.clips[0]!.tokens.length,
      record.calibration!.clips.find((c) => c.name === clipName)!.tokens,
    );
    for (const [i, got] of fresh.layers.entries()) {
      const want = record.selfAttention[i]!;
      // One clip's errors scatter around the five clips' pooled ones: within a factor of 4.
      for (const [form, g, r] of [
        ['k-cache', got.kCache.fp32, want.kCache!.fp32],
        ['x-cache', got.xCache.fp32, want.xCache!.fp32],
      ] as const) {
        const factor = Math.max(g / r, r / g);
        assert.ok(
          factor < 4,
          `layer ${i} ${form}: ${g.toExponential(2)} now, ${r.toExponential(2)} recorded`,
        );
      }
      assert.equal(got.cond === Infinity ? null : got.cond, want.cond, `layer ${i} cond`);
      assert.equal(got.rank, want.rank, `layer ${i} rank`);
    }
  });
});
