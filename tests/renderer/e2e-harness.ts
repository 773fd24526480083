/**
 * The renderer e2e tests' common setup: the built renderer served by the `npm run web` server
 * with the real main-process handlers behind the HTTP bridge, headless Chromium on it (the
 * house flags of tests/helpers/chromium.ts), page errors collected, screenshots to
 * test-artifacts/. Each test file starts one app in its `before` and closes it in its `after`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import type { HandlerDeps } from '../../main/handlers.ts';
import { BUNDLED_MODELS, RENDERER_DIR } from '../../main/paths.ts';
import type { Settings } from '../../app/ipc/settings.ts';
import { startWebServer, type WebServer } from '../../main/web/server.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { REPO_ROOT } from '../helpers/shared.ts';
import { ScriptedDialogs, tempDir } from '../main/helpers.ts';

export { noChromium } from '../helpers/chromium.ts';

export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

export interface E2eOptions {
  /** Prefix of the temporary user data folder. */
  userDataPrefix: string;
  /** Written to settings.json before the server starts. */
  settings?: Partial<Settings>;
  /** The OS dialogs' stand-in; null: the shell has no native dialogs. Default: a fresh ScriptedDialogs. */
  dialogs?: ScriptedDialogs | null;
  downloads?: HandlerDeps['downloads'];
  /** 'always' (default) rebuilds dist/renderer; 'if-missing' reuses an existing build. */
  build?: 'always' | 'if-missing';
  webgpu?: boolean;
  /** Chromium flags beyond the house ones. */
  chromiumArgs?: string[];
  viewport?: { width: number; height: number };
}

export interface E2eApp {
  server: WebServer;
  browser: Browser;
  page: Page;
  userData: string;
  dialogs: ScriptedDialogs | null;
  /** Uncaught page errors and console errors, in order. */
  pageErrors: string[];
  /** A screenshot of the viewport to test-artifacts/<name>.png. */
  shot(name: string): Promise<void>;
  /** Click a view's button in the main navigation. */
  nav(label: string): Promise<void>;
  close(): Promise<void>;
}

export function buildRenderer(when: 'always' | 'if-missing' = 'always'): void {
  if (when === 'if-missing' && existsSync(join(RENDERER_DIR, 'index.html'))) return;
  const b = spawnSync(process.execPath, ['scripts/build-renderer.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
}

export async function startE2eApp(opts: E2eOptions): Promise<E2eApp> {
  buildRenderer(opts.build);
  const userData = tempDir(opts.userDataPrefix);
  if (opts.settings) writeFileSync(join(userData, 'settings.json'), JSON.stringify(opts.settings));
  const dialogs = opts.dialogs === undefined ? new ScriptedDialogs() : opts.dialogs;
  const server = await startWebServer({
    root: RENDERER_DIR,
    deps: {
      userData,
      dialogs,
      version: '0.0.0-e2e',
      bundledModels: BUNDLED_MODELS,
      ...(opts.downloads ? { downloads: opts.downloads } : {}),
    },
  });
  let browser: Browser | undefined;
  try {
    browser = await launchChromium({ webgpu: opts.webgpu, args: opts.chromiumArgs });
    const page = await browser.newPage({ viewport: opts.viewport ?? { width: 1280, height: 820 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`);
    });
    await page.goto(server.url);
    const b = browser;
    return {
      server,
      browser,
      page,
      userData,
      dialogs,
      pageErrors,
      async shot(name) {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
      },
      async nav(label) {
        await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: label }).click();
      },
      async close() {
        await b.close();
        await server.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await server.close();
    throw err;
  }
}

/** Whether the page's Chromium exposes a WebGPU adapter at all. */
export function hasWebGpuAdapter(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return !!(gpu && (await gpu.requestAdapter()));
  });
}

/** Lower case, letters, apostrophes and single spaces: for matching transcripts. */
export const words = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z' ]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
