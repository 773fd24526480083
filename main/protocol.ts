/**
 * The `app://slim-whisper/` protocol: serves the built renderer (dist/renderer) and nothing
 * else. Paths are decoded, normalised and must stay inside the root; every response carries
 * the security headers (CSP, COOP/COEP).
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, normalize, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, securityHeaders } from './security.ts';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** The file under `root` a URL path names, or null when it would leave the root. */
export function resolveAssetPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = normalize(decoded === '/' || decoded === '' ? '/index.html' : decoded).replace(/^[/\\]+/, '');
  const full = resolve(root, rel);
  const base = resolve(root);
  return full === base || !full.startsWith(base + sep) ? null : full;
}

export interface AssetResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

/** The response for an app URL (for Electron's protocol.handle and the web server alike). */
export async function serveAsset(
  root: string,
  urlPath: string,
  extraHeaders: Record<string, string> = {},
): Promise<AssetResponse> {
  const headers = { ...securityHeaders(), ...extraHeaders };
  const path = resolveAssetPath(root, urlPath);
  if (!path) return { status: 403, headers: { ...headers, 'Content-Type': 'text/plain' }, body: 'forbidden' };
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a file');
    const body = new Uint8Array(await readFile(path));
    return {
      status: 200,
      headers: { ...headers, 'Content-Type': MIME[extname(path)] ?? 'application/octet-stream' },
      body,
    };
  } catch {
    return { status: 404, headers: { ...headers, 'Content-Type': 'text/plain' }, body: 'not found' };
  }
}

/** Privileges the scheme needs: standard URLs, secure context, fetch, and streaming media. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: {
    standard: true,
    secure: true,
    supportFetchAPI: true,
    corsEnabled: true,
    stream: true,
    codeCache: true,
  },
} as const;

export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;
/** The caption overlay window's page (renderer/overlay.html). */
export const OVERLAY_URL = `${APP_SCHEME}://${APP_HOST}/overlay.html`;
