/** CoalescedPush: pokes coalesce, reads never overlap, pushes keep their order, the latest state comes last. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CoalescedPush } from '../../../main/services/coalesced-push.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a burst of pokes is one push of the state read after them', async () => {
  let state = 0;
  const sent: { value: number; at: number }[] = [];
  const push = new CoalescedPush(
    async () => state,
    (value) => sent.push({ value, at: Date.now() }),
    50,
  );
  for (let i = 1; i <= 100; i++) {
    state = i;
    push.poke();
  }
  await sleep(30);
  assert.deepEqual(
    sent.map((s) => s.value),
    [100],
  );
  // Nothing changed since: no further push.
  await sleep(120);
  assert.equal(sent.length, 1);
});

test('pokes during a slow read lead to one more push, after it, with the newer state; pushes are spaced', async () => {
  let state = 0;
  let reads = 0;
  let inRead = 0;
  const sent: { value: number; at: number }[] = [];
  const push = new CoalescedPush(
    async () => {
      reads++;
      inRead++;
      assert.equal(inRead, 1, 'reads never overlap');
      const seen = state;
      await sleep(40); // a slow listing: the state moves on meanwhile
      inRead--;
      return seen;
    },
    (value) => sent.push({ value, at: Date.now() }),
    60,
  );
  const started = Date.now();
  // Poke every 5 ms for ~400 ms with a rising state.
  while (Date.now() - started < 400) {
    state++;
    push.poke();
    await sleep(5);
  }
  const last = state;
  await sleep(250);
  const values = sent.map((s) => s.value);
  assert.deepEqual(
    values,
    [...values].sort((a, b) => a - b),
    'pushes in the order of their states',
  );
  assert.equal(values[values.length - 1], last, 'the last push shows the latest state');
  assert.equal(reads, sent.length);
  // ~400 ms at one push per ≥ 60 ms (+ the read): far fewer pushes than the ~80 pokes.
  assert.ok(sent.length >= 2 && sent.length <= 8, `${sent.length} pushes`);
  for (let i = 1; i < sent.length; i++)
    assert.ok(
      sent[i]!.at - sent[i - 1]!.at >= 55,
      `push ${i} came ${sent[i]!.at - sent[i - 1]!.at} ms after the one before`,
    );
});

test('a failed read is reported and the next poke pushes again', async () => {
  let fail = true;
  const errors: unknown[] = [];
  const sent: string[] = [];
  const push = new CoalescedPush(
    async () => {
      if (fail) throw new Error('disk gone');
      return 'ok';
    },
    (v) => sent.push(v),
    10,
    (err) => errors.push(err),
  );
  push.poke();
  await sleep(30);
  assert.equal(errors.length, 1);
  fail = false;
  push.poke();
  await sleep(30);
  assert.deepEqual(sent, ['ok']);
});
