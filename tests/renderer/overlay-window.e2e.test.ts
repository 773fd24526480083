/**
 * The caption overlay window's page (dist/renderer/overlay.html) in headless Chromium, with the
 * built overlay preload (dist/main/overlay-preload.cjs) running in the page against a small
 * stand-in of Electron's contextBridge/ipcRenderer, fed by the real main-process path:
 * dispatch('overlay:captions') → validation → CaptionOverlay → webContents.send → preload →
 * the page. Confirmed words in the normal style, the tentative tail dimmed; a screenshot goes to
 * test-artifacts/caption-overlay-window.png.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { OverlayCaptions } from '../../app/ipc/contract.ts';
import { createHandlers } from '../../main/handlers.ts';
import { dispatch } from '../../main/ipc/dispatch.ts';
import { CaptionOverlay } from '../../main/overlay.ts';
import { BUNDLED_MODELS, RENDERER_DIR } from '../../main/paths.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import { tempDir } from '../main/helpers.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** What Electron gives a sandboxed preload, in the page: exposeInMainWorld and ipcRenderer.on. */
const ELECTRON_IN_PAGE = `
  const listeners = {};
  window.__ipcDeliver = (channel, value) => (listeners[channel] || []).forEach((f) => f({}, value));
  window.__electronForPreload = {
    contextBridge: { exposeInMainWorld: (name, api) => { window[name] = Object.freeze(api); } },
    ipcRenderer: {
      on: (ch, f) => { (listeners[ch] = listeners[ch] || []).push(f); },
      removeListener: (ch, f) => { listeners[ch] = (listeners[ch] || []).filter((x) => x !== f); },
    },
  };
`;

let server: WebServer;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

before(async () => {
  if (!CHROMIUM) return;
  for (const script of ['scripts/build-main.mjs', 'scripts/build-renderer.mjs']) {
    const b = spawnSync(process.execPath, [script], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(b.status, 0, b.stderr);
  }
  server = await startWebServer({
    root: RENDERER_DIR,
    deps: {
      userData: tempDir('slim-e2e-overlay-'),
      dialogs: null,
      version: '0.0.0-e2e',
      bundledModels: BUNDLED_MODELS,
    },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu-sandbox', '--disable-background-networking', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 760, height: 150 } });
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
  });
  const preload = readFileSync(join(REPO_ROOT, 'dist', 'main', 'overlay-preload.cjs'), 'utf8');
  // The built preload as Electron runs it: CommonJS whose only require is 'electron'.
  await page.addInitScript({
    content: `${ELECTRON_IN_PAGE}
      (function (require, module, exports) { ${preload} })(
        (m) => { if (m !== 'electron') throw new Error('preload required ' + m); return window.__electronForPreload; },
        { exports: {} }, {});`,
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the overlay window page shows the captions the main process sends', { skip: !CHROMIUM }, async () => {
  // The main process side: the real handlers and CaptionOverlay; the "window" is this page.
  const sends: Promise<unknown>[] = [];
  let loaded: (() => void) | null = null;
  const overlay = new CaptionOverlay(
    () => ({
      webContents: {
        send: (channel, value) =>
          void sends.push(
            page.evaluate(
              ([c, v]) =>
                // Before its page has loaded a message goes nowhere (as in Electron).
                (window as unknown as { __ipcDeliver?: (c: string, v: unknown) => void }).__ipcDeliver?.(
                  c,
                  v,
                ),
              [channel, value] as const,
            ),
          ),
        on: (_e, f) => void (loaded = f),
      },
      on: () => undefined,
      close: () => undefined,
      isDestroyed: () => false,
    }),
    () => undefined,
  );
  const ctx = createHandlers({
    userData: tempDir('slim-e2e-overlay-'),
    dialogs: null,
    shell: 'electron',
    version: '0.0.0-e2e',
    bundledModels: BUNDLED_MODELS,
    overlay,
  });
  const call = async (channel: 'overlay:show' | 'overlay:captions', arg: unknown) => {
    const r = await dispatch(ctx.handlers, channel, [arg]);
    assert.ok(r.ok, JSON.stringify(r));
    await Promise.all(sends);
  };

  await call('overlay:show', true);
  const first: OverlayCaptions = { confirmed: 'And so, my fellow Americans,', tentative: ' ask not' };
  await call('overlay:captions', first); // before its page loaded: kept for it
  const res = await page.goto(new URL('overlay.html', server.url).href);
  assert.match(String(res?.headers()['content-security-policy']), /default-src 'none'/);
  await page.getByText('Captions appear here').waitFor();
  loaded!();
  await Promise.all(sends);
  await page.getByTestId('confirmed').getByText(first.confirmed).waitFor();

  const next: OverlayCaptions = {
    confirmed: 'And so, my fellow Americans, ask not what your country can do for you,',
    tentative: ' ask what you',
  };
  await call('overlay:captions', next);
  await page.getByTestId('tentative').getByText(next.tentative.trim()).waitFor();
  assert.equal(await page.getByTestId('confirmed').textContent(), next.confirmed);
  // Confirmed in the normal style, the tentative tail dimmed (a darker grey on the dark page).
  const colors = await page.evaluate(() =>
    ['confirmed', 'tentative'].map(
      (id) => getComputedStyle(document.querySelector(`[data-testid="${id}"]`)!).color,
    ),
  );
  assert.deepEqual(colors, ['rgb(249, 250, 251)', 'rgb(156, 163, 175)']);
  // Malformed captions never reach the page (the main process refuses them).
  const bad = await dispatch(ctx.handlers, 'overlay:captions', [{ confirmed: '<b>x</b>' }]);
  assert.equal(bad.ok, false);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'caption-overlay-window.png') });
  // Made smaller than its text: the oldest words are cut at the top, the newest stay in view.
  await page.setViewportSize({ width: 380, height: 90 });
  const box = await page.getByTestId('tentative').boundingBox();
  assert.ok(box && box.y >= 0 && box.y + box.height <= 90, `tentative at ${JSON.stringify(box)}`);
  await page.screenshot({ path: join(ARTIFACTS, 'caption-overlay-window-small.png') });
  assert.equal(await page.getByRole('button', { name: 'Close' }).count(), 1);
  assert.deepEqual(pageErrors, []);
});
