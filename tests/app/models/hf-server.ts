/**
 * A local stand-in for the Hugging Face hub's download endpoints (node:http on 127.0.0.1), with
 * the hub's headers and behaviour: `/<repo>/resolve/<revision>/<file>` answers small files itself
 * (ETag = git blob sha1, X-Repo-Commit) and redirects LFS files to a CDN path with X-Linked-Etag
 * (sha256) and X-Linked-Size; both honour Range. Faults are switched on per test: a connection
 * dropped after N bytes, a response held open after N bytes, Range ignored, 404, a wrong hash.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { randomBytes } from 'node:crypto';
import type { CatalogModel } from '../../../models/catalog/catalog.ts';

export const COMMIT = '0123456789abcdef0123456789abcdef01234567';

export interface RequestLog {
  path: string;
  range: string | null;
  status: number;
}

export interface HubFaults {
  /** file → bytes: the next body of that file stops after so many bytes and the socket is destroyed. */
  dropAfter: Map<string, number>;
  /** file → bytes: the next body of that file stops after so many bytes and stays open. */
  holdAfter: Map<string, number>;
  /** Answer every ranged request with the whole file (200). */
  ignoreRange: boolean;
  notFound: Set<string>;
  /** Files whose advertised sha256 (or git sha1) is wrong. */
  wrongHash: Set<string>;
  /** file → n: the next n requests for that file get 503 (Retry-After: 0). */
  unavailable: Map<string, number>;
}

export interface FakeHub {
  endpoint: string;
  requests: RequestLog[];
  faults: HubFaults;
  /** Puts a file at `<repo>/<path>`; LFS files are redirected to the CDN path. */
  put(repo: string, path: string, content: Uint8Array, lfs?: boolean): void;
  close(): Promise<void>;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

interface Stored {
  repo: string;
  path: string;
  content: Buffer;
  lfs: boolean;
}

export async function startFakeHub(): Promise<FakeHub> {
  const files = new Map<string, Stored>(); // "<repo>/<path>"
  const blobs = new Map<string, Stored>(); // sha256 → file
  const requests: RequestLog[] = [];
  const held: ServerResponse[] = [];
  const faults: HubFaults = {
    dropAfter: new Map(),
    holdAfter: new Map(),
    ignoreRange: false,
    notFound: new Set(),
    wrongHash: new Set(),
    unavailable: new Map(),
  };

  const advertised = (f: Stored, hash: string) =>
    faults.wrongHash.has(f.path) ? hash.replace(/^./, (c) => (c === '0' ? '1' : '0')) : hash;

  function sendBody(req: IncomingMessage, res: ServerResponse, f: Stored, headers: Record<string, string>) {
    const size = f.content.length;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    let status = 200;
    if (m && !faults.ignoreRange) {
      start = Number(m[1]);
      if (start >= size) {
        log(req, 416);
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
      status = 206;
      headers['content-range'] = `bytes ${start}-${size - 1}/${size}`;
    }
    log(req, status);
    const body = f.content.subarray(start);
    res.writeHead(status, { ...headers, 'content-length': String(body.length), 'accept-ranges': 'bytes' });
    const drop = faults.dropAfter.get(f.path);
    const hold = faults.holdAfter.get(f.path);
    if (drop !== undefined) {
      faults.dropAfter.delete(f.path);
      res.write(body.subarray(0, drop), () => res.socket?.destroy());
    } else if (hold !== undefined) {
      faults.holdAfter.delete(f.path);
      res.write(body.subarray(0, hold));
      held.push(res);
    } else res.end(body);
  }

  function log(req: IncomingMessage, status: number) {
    requests.push({ path: req.url ?? '', range: req.headers.range ?? null, status });
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const cdn = /^\/cdn\/([0-9a-f]{64})$/.exec(url.pathname);
    if (cdn) {
      const f = blobs.get(cdn[1]!);
      if (!f) {
        log(req, 404);
        res.writeHead(404).end();
        return;
      }
      sendBody(req, res, f, { 'content-type': 'application/octet-stream', etag: `"${sha256(f.content)}"` });
      return;
    }
    const hub = /^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(decodeURIComponent(url.pathname));
    const f = hub ? files.get(`${hub[1]}/${hub[3]}`) : undefined;
    if (!hub || !f || faults.notFound.has(hub[3]!) || (hub[2] !== 'main' && hub[2] !== COMMIT)) {
      log(req, 404);
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end('Entry not found');
      return;
    }
    const busy = faults.unavailable.get(f.path) ?? 0;
    if (busy > 0) {
      faults.unavailable.set(f.path, busy - 1);
      log(req, 503);
      res.writeHead(503, { 'retry-after': '0' }).end();
      return;
    }
    const common = { 'x-repo-commit': COMMIT };
    if (f.lfs) {
      const hash = sha256(f.content);
      log(req, 302);
      res
        .writeHead(302, {
          ...common,
          location: `/cdn/${hash}`,
          'x-linked-etag': `"${advertised(f, hash)}"`,
          'x-linked-size': String(f.content.length),
          etag: `"${advertised(f, hash)}"`,
        })
        .end();
      return;
    }
    sendBody(req, res, f, { ...common, etag: `"${advertised(f, gitSha1(f.content))}"` });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    faults,
    put(repo, path, content, lfs = path.endsWith('.safetensors')) {
      const f: Stored = { repo, path, content: Buffer.from(content), lfs };
      files.set(`${repo}/${path}`, f);
      if (lfs) blobs.set(sha256(f.content), f);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of held) r.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** A stand-in model: small JSON files in git, random "weights" in LFS, an optional file not served. */
export function fakeModel(name = 'fake', repo = 'test/whisper-fake') {
  const files = {
    'config.json': Buffer.from(JSON.stringify({ model_type: 'whisper', d_model: 8 })),
    'tokenizer.json': Buffer.from(JSON.stringify({ model: { vocab: { a: 0 } } })),
    'model.safetensors': randomBytes(1_500_000),
  };
  const entry: CatalogModel = {
    name,
    repo,
    revision: 'main',
    paramsM: 1,
    multilingual: true,
    description: 'test model',
    files: [
      { path: 'config.json', approxBytes: 100 },
      { path: 'tokenizer.json', approxBytes: 100 },
      { path: 'preprocessor_config.json', approxBytes: 100, optional: true }, // not served: skipped
      { path: 'model.safetensors', approxBytes: 1_000_000 },
    ],
  };
  return {
    entry,
    files,
    serve: (hub: FakeHub) => Object.entries(files).forEach(([p, c]) => hub.put(repo, p, c)),
  };
}

export type FakeModel = ReturnType<typeof fakeModel>;

/**
 * One fake hub serving `model` for a whole test file, and a temporary folder: the hub starts
 * before the file's tests and closes after them, and the folder is removed. The hub returned
 * stands for the one started (it may be used only from the tests and their hooks).
 */
export function useFakeHub(model: FakeModel, tmpPrefix: string): { hub: FakeHub; tmp: string } {
  const tmp = mkdtempSync(join(tmpdir(), tmpPrefix));
  let started: FakeHub | undefined;
  const live = (): FakeHub => started ?? assert.fail('the fake hub is used before it started');
  const hub: FakeHub = {
    get endpoint() {
      return live().endpoint;
    },
    get requests() {
      return live().requests;
    },
    get faults() {
      return live().faults;
    },
    put: (repo, path, content, lfs) => live().put(repo, path, content, lfs),
    close: () => live().close(),
  };
  before(async () => {
    started = await startFakeHub();
    model.serve(started);
  });
  after(async () => {
    await started?.close();
    rmSync(tmp, { recursive: true, force: true });
  });
  return { hub, tmp };
}
