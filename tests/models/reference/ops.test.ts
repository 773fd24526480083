import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  conv1d,
  erf,
  gelu,
  layerNorm,
  linear,
  matmul,
  softmaxRowsInPlace,
  transpose,
} from '../../../models/reference/ops.ts';
import { Rng } from '../../../models/fixtures/random.ts';

test('erf matches high-precision values to 1e-15', () => {
  // Values of erf from a 30-digit computation, rounded to the nearest double.
  const known: Array<[number, number]> = [
    [0, 0],
    [0.1, 0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
    [-1.5, -0.9661051464753108],
    [5.5, 0.9999999999999927],
  ];
  for (const [x, want] of known)
    assert.ok(Math.abs(erf(x) - want) <= 1e-15, `erf(${x}) = ${erf(x)}, want ${want}`);
  assert.equal(erf(7), 1);
  assert.equal(erf(-7), -1);
  assert.ok(Math.abs(gelu(1) - 0.8413447460685429) < 1e-15);
});

test('linear and matmul agree with a naive triple loop on random shapes (1e-12)', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 10; trial++) {
    const n = rng.int(1, 9);
    const nIn = rng.int(1, 37);
    const nOut = rng.int(1, 23);
    const x = Float64Array.from(rng.normals(n * nIn));
    const w = Float64Array.from(rng.normals(nOut * nIn));
    const b = Float64Array.from(rng.normals(nOut));
    const y = linear(x, n, w, nIn, nOut, b);
    const y2 = matmul(x, transpose(w, nOut, nIn), n, nIn, nOut);
    for (let i = 0; i < n; i++)
      for (let o = 0; o < nOut; o++) {
        let s = b[o]!;
        for (let k = 0; k < nIn; k++) s += x[i * nIn + k]! * w[o * nIn + k]!;
        assert.ok(Math.abs(y[i * nOut + o]! - s) < 1e-12);
        assert.ok(Math.abs(y2[i * nOut + o]! + b[o]! - s) < 1e-12);
      }
  }
});

test('layerNorm rows have zero mean and unit variance before the affine part', () => {
  const rng = new Rng(3);
  const d = 17;
  const x = Float64Array.from(rng.normals(3 * d, 5, 2));
  const y = layerNorm(x, 3, d, new Float64Array(d).fill(1), new Float64Array(d));
  for (let i = 0; i < 3; i++) {
    const row = y.subarray(i * d, (i + 1) * d);
    const mean = row.reduce((a, b) => a + b, 0) / d;
    const v = row.reduce((a, b) => a + (b - mean) ** 2, 0) / d;
    assert.ok(Math.abs(mean) < 1e-12);
    assert.ok(Math.abs(v * (1 + 1e-5 / (v || 1)) - 1) < 1e-4);
  }
});

test('softmax rows sum to 1 and survive large logits', () => {
  const x = Float64Array.from([1000, 1001, 999, -Infinity, 0, 0]);
  softmaxRowsInPlace(x, 2, 3);
  assert.ok(Math.abs(x[0]! + x[1]! + x[2]! - 1) < 1e-15);
  assert.equal(x[3], 0);
  assert.ok(Math.abs(x[4]! - 0.5) < 1e-15);
});

test('conv1d with stride 2 and padding 1 equals a direct sum', () => {
  const rng = new Rng(11);
  const cIn = 3;
  const tIn = 10;
  const cOut = 4;
  const x = Float64Array.from(rng.normals(cIn * tIn));
  const w = Float64Array.from(rng.normals(cOut * cIn * 3));
  const b = Float64Array.from(rng.normals(cOut));
  const { y, tOut } = conv1d(x, cIn, tIn, w, cOut, 3, b, 2, 1);
  assert.equal(tOut, 5);
  for (let o = 0; o < cOut; o++)
    for (let t = 0; t < tOut; t++) {
      let s = b[o]!;
      for (let c = 0; c < cIn; c++)
        for (let j = 0; j < 3; j++) {
          const ti = 2 * t + j - 1;
          if (ti >= 0 && ti < tIn) s += w[(o * cIn + c) * 3 + j]! * x[c * tIn + ti]!;
        }
      assert.ok(Math.abs(y[o * tOut + t]! - s) < 1e-12);
    }
});
