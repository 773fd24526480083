/**
 * `npm run web`: the same UI in a plain browser. A small static server for dist/renderer with
 * the app's security headers (COOP/COEP make the page cross-origin isolated for WASM threads),
 * and an HTTP bridge to the very same main-process handlers in place of Electron's IPC.
 *
 * Bound to 127.0.0.1 only. Every bridge call must carry the per-run token that the server writes
 * into index.html (another site's page cannot read it: no CORS) and a Host of 127.0.0.1/localhost
 * (stops DNS rebinding). Dropped or picked files arrive by upload into the user data folder.
 * Events the main process sends unasked ('downloads:changed') reach the page as server-sent
 * events on GET /bridge/events (EventSource cannot send headers: the token is a query parameter).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { encodeJson, decodeJson } from '../../app/ipc/codec.ts';
import type { Channel, EventName, IpcEvents, IpcResult } from '../../app/ipc/contract.ts';
import { SlimError, toErrorData } from '../../models/errors.ts';
import { createHandlers, fileRef, type HandlerContext, type HandlerDeps } from '../handlers.ts';
import { dispatch } from '../ipc/dispatch.ts';
import { serveAsset } from '../protocol.ts';
import { securityHeaders } from '../security.ts';

export const TOKEN_HEADER = 'x-slim-token';
export const TOKEN_META = 'slim-bridge-token';
/** Bridge request bodies (JSON) are small; uploads stream to disk and have their own cap. */
const MAX_JSON_BYTES = 96 * 1024 * 1024;
const MAX_UPLOAD_BYTES = 8 * 1024 * 1024 * 1024;
/** Only the preload may grant arbitrary paths; the browser uploads instead. */
const REFUSED: ReadonlySet<Channel> = new Set(['files:grantDropped']);

export interface WebServerOptions {
  root: string;
  deps: Omit<HandlerDeps, 'shell' | 'emit'>;
  port?: number;
  /** Fixed token for tests; random otherwise. */
  token?: string;
}

export interface WebServer {
  url: string;
  token: string;
  context: HandlerContext;
  server: Server;
  close(): Promise<void>;
}

function reply(
  res: ServerResponse,
  status: number,
  body: string | Uint8Array,
  type: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...securityHeaders(),
    'Content-Type': type,
    'Cache-Control': 'no-store',
    ...extra,
  });
  res.end(body);
}

async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req) {
    n += (chunk as Buffer).byteLength;
    if (n > max) throw new SlimError('INVALID_ARGUMENT', `request body over ${max} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Upload names keep letters, digits, dot, dash, underscore and spaces; no path parts. */
export function safeUploadName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  const clean = base
    .replace(/[^\p{L}\p{N}._ -]+/gu, '_')
    .replace(/^\.+/, '')
    .slice(0, 200);
  return clean || 'upload';
}

function limitBytes(max: number): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.byteLength;
      cb(n > max ? new SlimError('INVALID_ARGUMENT', `upload over ${max} bytes`) : null, chunk);
    },
  });
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  /** The pages listening for events (server-sent events streams). */
  const listeners = new Set<ServerResponse>();
  const emit = <E extends EventName>(event: E, value: IpcEvents[E]): void => {
    // encodeJson is one line: nothing in the data can end the event early.
    const frame = `event: ${event}\ndata: ${encodeJson(value)}\n\n`;
    for (const res of listeners) res.write(frame);
  };
  const context = createHandlers({ ...opts.deps, shell: 'web', emit });
  const uploads = join(opts.deps.userData, 'uploads');
  let port = 0;

  const hostOk = (req: IncomingMessage): boolean =>
    req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;

  async function upload(req: IncomingMessage, url: URL): Promise<unknown> {
    const dir = join(uploads, randomBytes(8).toString('hex'));
    await mkdir(dir, { recursive: true });
    const path = join(dir, safeUploadName(url.searchParams.get('name') ?? ''));
    try {
      await pipeline(req, limitBytes(MAX_UPLOAD_BYTES), createWriteStream(path, { flags: 'wx' }));
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return fileRef(context.grants.grantRead(path));
  }

  function events(req: IncomingMessage, res: ServerResponse, url: URL): void {
    if (req.method !== 'GET') return reply(res, 405, 'GET only', 'text/plain');
    if (!hostOk(req) || url.searchParams.get('token') !== token)
      return reply(res, 403, 'forbidden', 'text/plain');
    res.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write(': connected\n\n'); // headers out now: the page's EventSource opens
    listeners.add(res);
    res.on('close', () => listeners.delete(res));
  }

  async function bridge(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/bridge/events') return events(req, res, url);
    if (req.method !== 'POST') return reply(res, 405, 'POST only', 'text/plain');
    if (!hostOk(req) || req.headers[TOKEN_HEADER] !== token)
      return reply(res, 403, 'forbidden', 'text/plain');
    let envelope: unknown;
    if (url.pathname === '/bridge/upload') {
      try {
        envelope = { ok: true, value: await upload(req, url) };
      } catch (err) {
        envelope = { ok: false, error: toErrorData(err) };
      }
    } else {
      const channel = decodeURIComponent(url.pathname.slice('/bridge/call/'.length));
      let args: unknown;
      try {
        args = decodeJson(await readBody(req, MAX_JSON_BYTES));
      } catch (err) {
        return reply(res, 400, encodeJson({ ok: false, error: toErrorData(err) }), 'application/json');
      }
      envelope = await dispatch(context.handlers, channel, args, { refuse: REFUSED });
      // Bytes (a model's files: tens of MB) go raw when the page asks, not as base64 in JSON.
      const e = envelope as IpcResult<unknown>;
      if (e.ok && e.value instanceof Uint8Array && /application\/octet-stream/.test(req.headers.accept ?? ''))
        return reply(res, 200, e.value, 'application/octet-stream');
    }
    reply(res, 200, encodeJson(envelope), 'application/json');
  }

  async function staticFile(res: ServerResponse, url: URL): Promise<void> {
    const r = await serveAsset(opts.root, url.pathname);
    let body = r.body;
    if (r.status === 200 && /\.html$|^\/$/.test(url.pathname)) {
      const meta = `<meta name="${TOKEN_META}" content="${token}">`;
      body = Buffer.from(body).toString('utf8').replace('</head>', `${meta}</head>`);
    }
    res.writeHead(r.status, { ...r.headers, 'Cache-Control': 'no-store' });
    res.end(body);
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const work = url.pathname.startsWith('/bridge/')
      ? bridge(req, res, url)
      : req.method === 'GET' || req.method === 'HEAD'
        ? hostOk(req)
          ? staticFile(res, url)
          : Promise.resolve(reply(res, 403, 'forbidden', 'text/plain'))
        : Promise.resolve(reply(res, 405, 'method not allowed', 'text/plain'));
    work.catch((err: unknown) => {
      if (!res.headersSent) reply(res, 500, String((err as Error).message ?? err), 'text/plain');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    token,
    context,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        // Event streams never end by themselves: end them, or close() would wait forever.
        for (const res of listeners) res.end();
        listeners.clear();
        server.close(() => resolve());
      }),
  };
}
