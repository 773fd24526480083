/**
 * `npm run web` entry: serves the built renderer with the HTTP bridge on 127.0.0.1. Uses the
 * same user data folder as the desktop app, so settings, models and saved jobs are shared.
 *   tsx main/web/serve.ts [--port 5180] [--user-data DIR]
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { appRoot, BUNDLED_MODELS, RENDERER_DIR } from '../paths.ts';
import { startWebServer } from './server.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Electron's userData for productName "Slim Whisper" on each platform. */
export function defaultUserData(): string {
  const name = 'Slim Whisper';
  if (process.platform === 'win32')
    return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), name);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', name);
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), name);
}

if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
  process.stderr.write('dist/renderer is missing: run `node scripts/build-renderer.mjs` first\n');
  process.exit(1);
}
const version = (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string })
  .version;
const server = await startWebServer({
  root: RENDERER_DIR,
  port: Number(arg('--port') ?? 5180),
  deps: {
    userData: arg('--user-data') ?? defaultUserData(),
    dialogs: null,
    version,
    bundledModels: BUNDLED_MODELS,
  },
});
process.stdout.write(`Slim Whisper (browser) at ${server.url}  (Ctrl+C to stop)\n`);
