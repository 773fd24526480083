/**
 * The caption overlay channels through the validated dispatcher: CaptionOverlay over the
 * Electron stub's BrowserWindow (the binary cannot be installed here) in the desktop shell, and
 * a clear refusal in the browser shell (which shows its overlay in the page).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Channel, IpcResult, OverlayCaptions } from '../../app/ipc/contract.ts';
import { createHandlers } from '../../main/handlers.ts';
import { dispatch } from '../../main/ipc/dispatch.ts';
import { CaptionOverlay, type OverlayWindow } from '../../main/overlay.ts';
import { isMainPageUrl } from '../../main/security.ts';
import { BUNDLED_MODELS } from '../../main/paths.ts';
// @ts-expect-error -- a plain ESM stand-in for 'electron', without type declarations
import { BrowserWindow } from './electron-stub.mjs';
import { makeContext, tempDir } from './helpers.ts';

interface StubWindow extends OverlayWindow {
  destroyed: boolean;
  webContents: OverlayWindow['webContents'] & { handlers: Record<string, () => void> };
}
const stub = (
  globalThis as unknown as { __electronStub: { sent: [string, unknown, number][]; windows: StubWindow[] } }
).__electronStub;

function desktop() {
  const changes: boolean[] = [];
  const overlay = new CaptionOverlay(
    () => new BrowserWindow({ frame: false }) as StubWindow,
    (open) => changes.push(open),
  );
  const ctx = createHandlers({
    userData: tempDir(),
    dialogs: null,
    shell: 'electron',
    version: '0.0.0-test',
    bundledModels: BUNDLED_MODELS,
    overlay,
  });
  const call = (channel: Channel, ...args: unknown[]): Promise<IpcResult<unknown>> =>
    dispatch(ctx.handlers, channel, args);
  return { call, changes, overlay };
}

const captionsTo = (win: number): OverlayCaptions[] =>
  stub.sent.filter(([c, , w]) => c === 'overlay:captions' && w === win).map(([, v]) => v as OverlayCaptions);

test('overlay:show opens one window and closes it; captions go to it, the latest again once its page loaded', async () => {
  const { call, changes } = desktop();
  const first = stub.windows.length;
  assert.deepEqual(await call('overlay:captions', { confirmed: 'before', tentative: '' }), {
    ok: true,
    value: undefined,
  });
  assert.deepEqual(await call('overlay:show', true), { ok: true, value: true });
  assert.deepEqual(
    await call('overlay:show', true),
    { ok: true, value: true },
    'already open: no second window',
  );
  assert.equal(stub.windows.length, first + 1);
  const win = stub.windows[first]!;
  const c1 = { confirmed: 'And so, my fellow', tentative: ' Americans' };
  await call('overlay:captions', c1);
  win.webContents.handlers['did-finish-load']!();
  assert.deepEqual(captionsTo(first), [c1, c1]);

  // The user closes the window there: the main window is told; captions go nowhere.
  win.close();
  assert.deepEqual(changes, [true, false]);
  await call('overlay:captions', { confirmed: 'ask not', tentative: '' });
  assert.equal(captionsTo(first).length, 2);

  // Reopened: a fresh window, which gets the latest captions once loaded; closed from the page.
  assert.deepEqual(await call('overlay:show', true), { ok: true, value: true });
  const again = stub.windows[first + 1]!;
  again.webContents.handlers['did-finish-load']!();
  assert.deepEqual(captionsTo(first + 1), [{ confirmed: 'ask not', tentative: '' }]);
  assert.deepEqual(await call('overlay:show', false), { ok: true, value: false });
  assert.equal(again.destroyed, true);
  assert.deepEqual(changes, [true, false, true, false]);
});

test('overlay arguments are validated', async () => {
  const { call } = desktop();
  const bad: unknown[][] = [
    ['overlay:show', 'yes'],
    ['overlay:show'],
    ['overlay:captions', { confirmed: 'a' }],
    ['overlay:captions', { confirmed: 'a', tentative: 'b', html: '<b>' }],
    ['overlay:captions', { confirmed: 1, tentative: '' }],
    ['overlay:captions', { confirmed: 'x'.repeat(4001), tentative: '' }],
    ['overlay:captions', 'text'],
  ];
  for (const [channel, ...args] of bad) {
    const r = await call(channel as Channel, ...args);
    assert.equal(r.ok, false, JSON.stringify(args).slice(0, 80));
    if (!r.ok) assert.equal(r.error.code, 'INVALID_ARGUMENT');
  }
});

test('the browser shell has no overlay window and says so', async () => {
  const ctx = makeContext(tempDir(), null);
  for (const [channel, args] of [
    ['overlay:show', [true]],
    ['overlay:captions', [{ confirmed: 'a', tentative: '' }]],
  ] as const) {
    const r = await dispatch(ctx.handlers, channel, args);
    assert.ok(!r.ok && /no overlay window in the browser/.test(r.error.message), channel);
  }
});

test('only the main page may call the main process (not the overlay page, not elsewhere)', () => {
  assert.equal(isMainPageUrl('app://slim-whisper/index.html'), true);
  assert.equal(isMainPageUrl('app://slim-whisper/index.html#live'), true);
  assert.equal(isMainPageUrl('app://slim-whisper/'), true);
  assert.equal(isMainPageUrl('app://slim-whisper/overlay.html'), false);
  assert.equal(isMainPageUrl('app://other/index.html'), false);
  assert.equal(isMainPageUrl('https://slim-whisper/index.html'), false);
  assert.equal(isMainPageUrl('not a url'), false);
});
