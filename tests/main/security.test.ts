/** The window's security policy, the app protocol's path rules, argv files, the menu. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesFromArgv } from '../../main/argv.ts';
import { menuTemplate, type MenuItem } from '../../main/menu.ts';
import { resolveAssetPath, serveAsset } from '../../main/protocol.ts';
import {
  contentSecurityPolicy,
  isAppUrl,
  metaContentSecurityPolicy,
  isNavigationAllowed,
  isPermissionAllowed,
  securityHeaders,
} from '../../main/security.ts';
import type { MenuCommand } from '../../app/ipc/contract.ts';
import { sharedPath } from '../helpers/shared.ts';
import { tempDir } from './helpers.ts';

test('CSP: nothing by default, scripts and workers from the app, WASM compilation, no eval, no network', () => {
  const csp = contentSecurityPolicy();
  const d = new Map(csp.split('; ').map((x) => [x.split(' ')[0]!, x.split(' ').slice(1).join(' ')] as const));
  assert.equal(d.get('default-src'), "'none'");
  assert.equal(d.get('script-src'), "'self' 'wasm-unsafe-eval'");
  assert.equal(d.get('worker-src'), "'self'");
  assert.equal(d.get('media-src'), "'self' blob:");
  assert.equal(d.get('connect-src'), "'self'");
  assert.equal(d.get('object-src'), "'none'");
  assert.doesNotMatch(csp, /'unsafe-eval'|'unsafe-inline'|https?:|\*/);
  const h = securityHeaders();
  assert.equal(h['Cross-Origin-Opener-Policy'], 'same-origin');
  assert.equal(h['Cross-Origin-Embedder-Policy'], 'require-corp');
  assert.equal(h['Content-Security-Policy'], csp);
});

test('the meta-tag CSP is the header CSP without frame-ancestors (one source for both)', () => {
  const header = contentSecurityPolicy().split('; ');
  const meta = metaContentSecurityPolicy().split('; ');
  assert.ok(header.includes("frame-ancestors 'none'"));
  assert.deepEqual(
    meta,
    header.filter((d) => !d.startsWith('frame-ancestors')),
  );
});

test('permissions: only audio capture, only for the app', () => {
  assert.equal(isPermissionAllowed('media', 'app://slim-whisper/index.html', ['audio']), true);
  assert.equal(isPermissionAllowed('media', 'app://slim-whisper/index.html', ['audio', 'video']), false);
  assert.equal(isPermissionAllowed('media', 'https://evil.example/', ['audio']), false);
  assert.equal(isPermissionAllowed('media', 'app://other-host/', ['audio']), false);
  for (const p of [
    'geolocation',
    'notifications',
    'openExternal',
    'clipboard-read',
    'midi',
    'display-capture',
  ])
    assert.equal(isPermissionAllowed(p, 'app://slim-whisper/index.html'), false, p);
});

test('navigation: never away from the app page', () => {
  const here = 'app://slim-whisper/index.html';
  assert.equal(isNavigationAllowed('app://slim-whisper/index.html#x', here), true);
  assert.equal(isNavigationAllowed('https://example.com/', here), false);
  assert.equal(isNavigationAllowed('file:///etc/passwd', here), false);
  assert.equal(isNavigationAllowed('app://slim-whisper/other.html', here), false);
  assert.equal(isAppUrl('not a url'), false);
});

test('app protocol: serves files inside the renderer folder only, with the security headers', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<html></html>');
  writeFileSync(join(root, 'assets', 'app.js'), 'x');
  writeFileSync(join(root, '..', 'secret.txt'), 'secret');
  assert.equal(resolveAssetPath(root, '/'), join(root, 'index.html'));
  // Whatever the URL says, the file is inside the root (or refused): '..' cannot climb out.
  for (const bad of [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/..%5csecret.txt',
  ]) {
    const p = resolveAssetPath(root, bad);
    assert.ok(p === null || p.startsWith(root + '/'), `${bad} -> ${p}`);
    const r = await serveAsset(root, bad);
    assert.notEqual(r.status, 200, bad);
  }
  assert.equal(resolveAssetPath(root, '/%00'), null);
  assert.equal(resolveAssetPath(root, '/%E0%A4%A'), null, 'bad escapes are refused');
  const ok = await serveAsset(root, '/assets/app.js');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['Content-Type'], 'text/javascript; charset=utf-8');
  assert.equal(ok.headers['Cross-Origin-Embedder-Policy'], 'require-corp');
  assert.equal((await serveAsset(root, '/missing.js')).status, 404);
  assert.equal((await serveAsset(root, '/assets')).status, 404, 'a folder is not a file');
});

test('argv: existing files only, relative to the working folder; flags and the executable skipped', () => {
  const jfk = sharedPath('audio', 'jfk.wav');
  const audioDir = join(jfk, '..');
  assert.deepEqual(filesFromArgv(['/opt/app/slim-whisper', '--no-sandbox', jfk, 'nope.wav', audioDir], '/'), [
    jfk,
  ]);
  assert.deepEqual(filesFromArgv(['electron', '.', 'jfk.wav'], audioDir, 2), [jfk]);
});

test('menu: commands go to the renderer; the app menu exists only on macOS', () => {
  const sent: MenuCommand[] = [];
  const walk = (items: MenuItem[]): MenuItem[] => items.flatMap((i) => [i, ...walk(i.submenu ?? [])]);
  const linux = walk(menuTemplate('linux', (c) => sent.push(c)));
  for (const i of linux) i.click?.();
  assert.deepEqual(sent, ['open-files', 'export', 'show-settings', 'show-queue', 'show-transcript']);
  assert.ok(linux.some((i) => i.label === 'Add Files…' && i.accelerator === 'CmdOrCtrl+O'));
  assert.equal(menuTemplate('darwin', () => undefined)[0]!.label, 'Slim Whisper');
  assert.equal(menuTemplate('win32', () => undefined)[0]!.label, 'File');
});
