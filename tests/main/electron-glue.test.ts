/**
 * The Electron glue as built (dist/main/main.js and preload.cjs), run against a recording stub
 * of the 'electron' module (electron-stub.mjs; the real binary cannot be installed here): the
 * window's security switches, the app protocol, permissions, navigation, IPC sender checks, and
 * the preload's exposed functions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { API_CHANNELS, PRELOAD_GLOBAL } from '../../app/ipc/contract.ts';
import { ARG_CHECKS } from '../../app/ipc/args.ts';
import { REPO_ROOT, sharedPath } from '../helpers/shared.ts';
import { tempDir } from './helpers.ts';

interface Report {
  schemes: { scheme: string; privileges: Record<string, boolean> }[];
  webPreferences: Record<string, unknown>;
  loadURL: string;
  channels: string[];
  windowOpen: { action: string };
  navigateAwayPrevented: boolean;
  navigateSamePrevented: boolean;
  webviewPrevented: boolean;
  permissions: Record<string, boolean>;
  protocol: { scheme: string; status: number; coep: string; csp: string; body: string };
  protocolTraversal: number;
  protocolOtherHost: number;
  ipcFromApp: { ok: boolean };
  ipcFromElsewhere: { ok: boolean; error: { message: string } };
  ipcBadArgs: { ok: boolean; error: { code: string } };
  menuTop: string[];
  preloadGlobals: string[];
  preloadFunctions: string[];
  preloadAllFunctions: boolean;
  menuCommand: string;
  downloadsSeen: string[][];
  overlayOpened: boolean;
  overlayWindow: Record<string, unknown> & { webPreferences: Record<string, unknown> };
  overlayBadCaptions: { ok: boolean; error: { code: string; message: string } };
  overlayCallRefused: { ok: boolean; error: { message: string } };
  overlaySettingsRefused: { ok: boolean; error: { message: string } };
  overlayWindowOpen: { action: string };
  overlayNavigatePrevented: boolean;
  overlayReopened: boolean;
  overlayClosed: boolean;
  overlayDestroyed: boolean[];
  overlaySent: [string, unknown, number][];
  overlayGlobals: string[];
  overlayFunctions: string[];
  overlaySeen: unknown[];
  overlayListenersAfterOff: number;
  listenersAfterOff: number;
  openFilePrevented: boolean;
  sentOpened: string[][];
  readOpened: boolean;
  invoked: unknown[][];
}

test('the built main process and preload do what the security policy says', { timeout: 120_000 }, () => {
  // The app protocol serves dist/renderer: build both, as a fresh clone has neither.
  for (const script of ['scripts/build-main.mjs', 'scripts/build-renderer.mjs']) {
    const b = spawnSync(process.execPath, [script], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  }
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'tests', 'main', 'electron-smoke-driver.mjs')], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, STUB_USER_DATA: tempDir(), STUB_CLIP: sharedPath('audio', 'jfk.wav') },
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as Report;

  assert.deepEqual(
    out.schemes.map((s) => [s.scheme, s.privileges.secure, s.privileges.standard]),
    [['app', true, true]],
  );
  const wp = out.webPreferences;
  assert.deepEqual(
    [
      wp.contextIsolation,
      wp.sandbox,
      wp.nodeIntegration,
      wp.nodeIntegrationInWorker,
      wp.webSecurity,
      wp.webviewTag,
      wp.preload,
    ],
    [true, true, false, false, true, false, true],
  );
  assert.equal(out.loadURL, 'app://slim-whisper/index.html');
  assert.deepEqual(out.channels, Object.keys(ARG_CHECKS).sort(), 'every contract channel has a handler');

  assert.deepEqual(out.windowOpen, { action: 'deny' });
  assert.equal(out.navigateAwayPrevented, true);
  assert.equal(out.navigateSamePrevented, false);
  assert.equal(out.webviewPrevented, true);
  assert.deepEqual(out.permissions, {
    micApp: true,
    cameraApp: false,
    micElsewhere: false,
    notifications: false,
  });

  assert.deepEqual(
    [out.protocol.scheme, out.protocol.status, out.protocol.coep, out.protocol.body],
    ['app', 200, 'require-corp', '<!doctype html>'],
  );
  assert.match(out.protocol.csp, /^default-src 'none'/);
  assert.notEqual(out.protocolTraversal, 200);
  assert.equal(out.protocolOtherHost, 403);

  assert.equal(out.ipcFromApp.ok, true);
  assert.equal(out.ipcFromElsewhere.ok, false);
  assert.match(out.ipcFromElsewhere.error.message, /caller is not the app/);
  assert.deepEqual([out.ipcBadArgs.ok, out.ipcBadArgs.error.code], [false, 'INVALID_ARGUMENT']);
  assert.deepEqual(out.menuTop, ['File', 'Edit', 'View', 'Window']);

  // Files opened with the app are granted and handed to the page; other argv entries are not.
  assert.equal(out.openFilePrevented, true);
  assert.deepEqual(out.sentOpened, [['jfk.wav'], ['jfk.wav']]);
  assert.equal(out.readOpened, true);

  // Preload: one global, functions only, one per channel (dropped files through addDroppedFiles).
  assert.deepEqual(out.preloadGlobals, [PRELOAD_GLOBAL]);
  assert.deepEqual(
    out.preloadFunctions,
    [
      ...Object.keys(API_CHANNELS),
      'addDroppedFiles',
      'onFilesOpened',
      'onMenuCommand',
      'onDownloadsChanged',
      'onOverlayChanged',
    ].sort(),
  );
  assert.equal(out.preloadAllFunctions, true);
  assert.deepEqual(out.invoked, [
    ['files:read', '/a/b.wav'],
    ['settings:set', { language: 'de' }],
    ['files:grantDropped', ['/x/dropped.wav']],
  ]);
  assert.equal(out.menuCommand, 'export', 'events reach the page; unknown commands are dropped');
  assert.equal(out.listenersAfterOff, 0);

  // The caption overlay window: small, frameless, on top, resizable, with the main window's
  // security switches and its own preload; captions reach it (again once its page has loaded);
  // its page may call nothing; closing it (there or from the main page) tells the main window.
  assert.equal(out.overlayOpened, true);
  const ow = out.overlayWindow;
  assert.deepEqual(
    [ow.frame, ow.alwaysOnTop, ow.resizable, ow.show, ow.url, ow.onTop],
    [false, true, true, false, 'app://slim-whisper/overlay.html', 'screen-saver'],
  );
  assert.ok((ow.width as number) <= 800 && (ow.height as number) <= 200, 'a small window');
  const owp = ow.webPreferences;
  assert.deepEqual(
    [
      owp.contextIsolation,
      owp.sandbox,
      owp.nodeIntegration,
      owp.nodeIntegrationInWorker,
      owp.webSecurity,
      owp.webviewTag,
      owp.preload,
    ],
    [true, true, false, false, true, false, true],
  );
  assert.deepEqual(out.overlayWindowOpen, { action: 'deny' });
  assert.equal(out.overlayNavigatePrevented, true);
  assert.deepEqual(
    [out.overlayBadCaptions.ok, out.overlayBadCaptions.error.code],
    [false, 'INVALID_ARGUMENT'],
  );
  assert.match(out.overlayBadCaptions.error.message, /confirmed/);
  assert.equal(out.overlayCallRefused.ok, false);
  assert.match(out.overlayCallRefused.error.message, /caller is not the app/);
  assert.equal(out.overlaySettingsRefused.ok, false);
  assert.deepEqual([out.overlayReopened, out.overlayClosed], [true, false]);
  assert.deepEqual(out.overlayDestroyed, [true, true]);
  const caps = { confirmed: 'And so, my', tentative: ' fellow' };
  assert.deepEqual(out.overlaySent, [
    ['overlay:changed', true, 0],
    ['overlay:captions', caps, 1],
    ['overlay:captions', caps, 1],
    ['overlay:changed', false, 0],
    ['overlay:changed', true, 0],
    ['overlay:changed', false, 0],
  ]);
  assert.deepEqual(out.overlayGlobals, ['slimWhisperOverlay']);
  assert.deepEqual(out.overlayFunctions, ['onCaptions']);
  assert.deepEqual(out.overlaySeen, [{ confirmed: 'ask not', tentative: ' what' }]);
  assert.equal(out.overlayListenersAfterOff, 0);
  assert.deepEqual(out.downloadsSeen, [['tiny']], 'a listing reaches the page; anything else is dropped');
});
