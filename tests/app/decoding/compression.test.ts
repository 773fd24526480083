import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compressionRatio } from '../../../app/decoding/compression.ts';
import { zlibCompressedLength } from '../../../app/decoding/zlib-size.ts';

// len(zlib.compress(text.encode())) from CPython 3 (zlib 1.2/1.3, level 6), measured once.
const PYTHON_ZLIB: Array<[string, number]> = [
  ['', 8],
  ['a', 9],
  ['hello hello hello hello', 16],
  [
    'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.',
    79,
  ],
  [
    ' Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you. Thank you.',
    22,
  ],
  ['The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background.', 78],
  ['Ich bin ein Berliner. Schöne Grüße aus München!', 58],
  ['私は日本語を話します。私は日本語を話します。', 47],
  [
    "I'm going to go to the store. I'm going to go to the store. I'm going to go to the store. I'm going to go to the store.",
    37,
  ],
  [
    'la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la la',
    14,
  ],
];

const utf8 = new TextEncoder();

test('zlibCompressedLength equals CPython zlib.compress lengths', () => {
  for (const [text, n] of PYTHON_ZLIB)
    assert.equal(zlibCompressedLength(utf8.encode(text)), n, JSON.stringify(text));
});

test('compressionRatio: utils.py values (jfk 1.354…, a loop 5.0 → over 2.4)', () => {
  assert.equal(compressionRatio(PYTHON_ZLIB[3]![0]), 107 / 79);
  assert.equal(compressionRatio(PYTHON_ZLIB[4]![0]), 5);
  assert.ok(compressionRatio(PYTHON_ZLIB[4]![0]) > 2.4);
  assert.ok(compressionRatio(PYTHON_ZLIB[3]![0]) < 2.4);
});

test('zlibCompressedLength: long inputs (several blocks, past the 32 KiB window) stay plausible', () => {
  const long = utf8.encode('the cat sat on the mat. '.repeat(3000) + 'x'.repeat(20000));
  const n = zlibCompressedLength(long);
  assert.ok(n > 11 && n < long.length / 20, `${n}`);
  const random = new Uint8Array(40000).map((_, i) => (i * 7919 + ((i * i) >> 3)) & 255);
  // incompressible-ish data: zlib falls back to stored blocks, a few bytes over the input
  assert.ok(zlibCompressedLength(random) <= random.length + 11 + 5 * 2);
});
