/**
 * The worker's packing (packSlimDecoder: X-cache layers skip the W_KV solve) gives the same packed
 * decoder as packing the full conversion, for X-cache and K-cache layers alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packSlimDecoder } from '../../../app/engine/assemble.ts';
import { packDecoder } from '../../../kernels/decoder/weights.ts';
import { makeFixtureCheckpoint } from '../../../models/fixtures/checkpoint.ts';
import { Weights64 } from '../../../models/reference/weights64.ts';
import { convertDecoder } from '../../../models/slim/convert.ts';
import type { SelfForm } from '../../../models/slim/decoder64.ts';

test('packSlimDecoder equals packDecoder over convertDecoder; null forms mean X-cache everywhere', () => {
  const ckpt = makeFixtureCheckpoint({ seed: 3 });
  const n = ckpt.dims.nTextLayer;
  const mixed = Array.from({ length: n }, (_, l): SelfForm => (l % 2 ? 'k-cache' : 'x-cache'));
  for (const forms of [null, mixed]) {
    const got = packSlimDecoder(ckpt, forms);
    const f = forms ?? Array<SelfForm>(n).fill('x-cache');
    const want = packDecoder(ckpt, 'slim', { layers: convertDecoder(new Weights64(ckpt), ckpt), forms: f });
    assert.deepEqual(got.forms, f);
    assert.deepEqual(got.packed, want);
  }
});
