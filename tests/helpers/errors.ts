/** Assertions on the SlimErrors a call throws. */
import assert from 'node:assert/strict';
import { SlimError } from '../../models/errors.ts';

/** Awaits `p`, which must reject with a SlimError of `code`; returns that error for more checks. */
export async function rejectsWithCode(p: Promise<unknown>, code: string): Promise<SlimError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SlimError, String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected ${code}`);
}
