/** The browser bridge's own defences: token, Host check, refused channel, upload grants, static files. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { request, type IncomingMessage } from 'node:http';
import { decodeJson, encodeJson } from '../../app/ipc/codec.ts';
import type { CatalogListing, FileRef, IpcResult } from '../../app/ipc/contract.ts';
import { safeUploadName, startWebServer, TOKEN_HEADER, type WebServer } from '../../main/web/server.ts';
import { BUNDLED_MODELS } from '../../main/paths.ts';
import { sharedPath } from '../helpers/shared.ts';
import { tempDir } from './helpers.ts';
import { fakeModel, startFakeHub } from '../app/models/hf-server.ts';

let server: WebServer;
let port: number;

before(async () => {
  const root = tempDir();
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<html><head><title>x</title></head><body></body></html>');
  server = await startWebServer({
    root,
    token: 'test-token',
    deps: { userData: tempDir(), dialogs: null, version: '0.0.0', bundledModels: BUNDLED_MODELS },
  });
  port = Number(new URL(server.url).port);
});
after(() => server.close());

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(parts).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const auth = { [TOKEN_HEADER]: 'test-token', 'Content-Type': 'application/json' };
const call = async (channel: string, args: unknown[], headers: Record<string, string> = auth) =>
  send(`/bridge/call/${channel}`, { method: 'POST', headers, body: encodeJson(args) });

test('index.html carries the token and the isolation headers', async () => {
  const r = await send('/');
  assert.equal(r.status, 200);
  assert.match(r.body, /<meta name="slim-bridge-token" content="test-token"><\/head>/);
  assert.equal(r.headers['cross-origin-embedder-policy'], 'require-corp');
  assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd']) {
    const r = await send(p);
    assert.notEqual(r.status, 200, p);
    assert.doesNotMatch(r.body, /root:/);
  }
});

test('bridge calls need the token and a local Host', async () => {
  assert.equal((await call('settings:get', [], { 'Content-Type': 'application/json' })).status, 403);
  assert.equal((await call('settings:get', [], { ...auth, [TOKEN_HEADER]: 'wrong' })).status, 403);
  assert.equal((await call('settings:get', [], { ...auth, Host: `evil.example:${port}` })).status, 403);
  assert.equal((await send('/bridge/call/settings:get', { headers: auth })).status, 405);
  const ok = await call('settings:get', []);
  assert.equal(ok.status, 200);
  assert.equal((decodeJson(ok.body) as IpcResult<{ model: string }>).ok, true);
  const bad = decodeJson(
    (await send('/bridge/call/settings:get', { method: 'POST', headers: auth, body: '{oops' })).body,
  ) as IpcResult<unknown>;
  assert.equal(bad.ok, false);
});

test('the browser cannot grant paths; it uploads, and only uploads are granted', async () => {
  const jfk = sharedPath('audio', 'jfk.wav');
  const refused = decodeJson((await call('files:grantDropped', [[jfk]])).body) as IpcResult<unknown>;
  assert.ok(!refused.ok && /unknown IPC channel/.test(refused.error.message));
  const notGranted = decodeJson((await call('files:read', [jfk])).body) as IpcResult<unknown>;
  assert.ok(!notGranted.ok && /not chosen by the user/.test(notGranted.error.message));

  const bytes = readFileSync(jfk);
  const up = await send(`/bridge/upload?name=${encodeURIComponent('../../my clip.wav')}`, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: 'test-token', 'Content-Type': 'application/octet-stream' },
    body: bytes,
  });
  const ref = decodeJson(up.body) as IpcResult<FileRef>;
  assert.ok(ref.ok);
  assert.equal(ref.value.name, 'my clip.wav');
  assert.equal(ref.value.size, bytes.byteLength);
  const read = decodeJson((await call('files:read', [ref.value.path])).body) as IpcResult<Uint8Array>;
  assert.ok(read.ok && read.value instanceof Uint8Array && read.value.byteLength === bytes.byteLength);
  const pcm = decodeJson((await call('audio:load', [ref.value.path])).body) as IpcResult<{ kind: string }>;
  assert.ok(pcm.ok && pcm.value.kind === 'wav');
});

test('bytes come raw when asked for (a model file), errors stay JSON envelopes', async () => {
  const raw = { ...auth, Accept: 'application/octet-stream, application/json' };
  const r = await call('models:read', ['bundled-whisper-base', 'config.json'], raw);
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  assert.equal(r.body, readFileSync(join(BUNDLED_MODELS[0]!.path, 'config.json'), 'utf8'));
  const refused = await call('models:read', ['bundled-whisper-base', '../package.json'], raw);
  assert.equal(refused.headers['content-type'], 'application/json');
  assert.equal((decodeJson(refused.body) as IpcResult<unknown>).ok, false);
  const json = await call('models:read', ['bundled-whisper-base', 'config.json']);
  assert.ok((decodeJson(json.body) as IpcResult<Uint8Array>).ok, 'without Accept: the JSON envelope');
});

test('upload names lose their path parts and odd characters', () => {
  assert.equal(safeUploadName('../../etc/passwd'), 'passwd');
  assert.equal(safeUploadName('C:\\Users\\me\\talk.mp3'), 'talk.mp3');
  assert.equal(safeUploadName('.hidden'), 'hidden');
  assert.equal(safeUploadName('a<b>|c.wav'), 'a_b_c.wav');
  assert.equal(safeUploadName(''), 'upload');
  assert.equal(safeUploadName('Grüße.wav'), 'Grüße.wav');
});

test('typed arrays survive the JSON codec', () => {
  const f = new Float32Array([0.5, -1, 3.25]);
  const u = new Uint8Array([0, 255, 7]);
  const back = decodeJson(encodeJson({ f, u, n: [1] })) as { f: Float32Array; u: Uint8Array; n: number[] };
  assert.deepEqual([...back.f], [...f]);
  assert.deepEqual([...back.u], [...u]);
  assert.deepEqual(back.n, [1]);
});

test('server-sent events: the token and a local Host are needed; download listings are pushed; close() ends the streams', async () => {
  const hub = await startFakeHub();
  const fake = fakeModel('fake');
  fake.serve(hub);
  const web = await startWebServer({
    root: tempDir(),
    token: 'sse-token',
    deps: {
      userData: tempDir(),
      dialogs: null,
      version: '0.0.0',
      bundledModels: BUNDLED_MODELS,
      downloads: { catalog: [fake.entry], endpoint: hub.endpoint },
    },
  });
  const webPort = Number(new URL(web.url).port);
  const get = (path: string, headers: Record<string, string> = {}) =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: webPort, path, headers }, resolve);
      req.on('error', reject);
      req.end();
    });
  try {
    const drain = async (p: Promise<IncomingMessage>) => {
      const r = await p;
      r.resume();
      return r.statusCode;
    };
    assert.equal(await drain(get('/bridge/events')), 403);
    assert.equal(await drain(get('/bridge/events?token=wrong')), 403);
    assert.equal(
      await drain(get('/bridge/events?token=sse-token', { Host: `evil.example:${webPort}` })),
      403,
    );

    const stream = await get('/bridge/events?token=sse-token');
    assert.equal(stream.statusCode, 200);
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    assert.equal(stream.headers['cross-origin-embedder-policy'], 'require-corp');
    const events: { event: string; data: CatalogListing[] }[] = [];
    let buffered = '';
    let ended = false;
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buffered += chunk;
      let at;
      while ((at = buffered.indexOf('\n\n')) >= 0) {
        const frame = buffered.slice(0, at);
        buffered = buffered.slice(at + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event && data) events.push({ event, data: decodeJson(data) as CatalogListing[] });
      }
    });
    stream.on('end', () => (ended = true));

    const started = await send2(webPort, '/bridge/call/downloads:start', ['fake']);
    assert.equal((decodeJson(started) as IpcResult<unknown>).ok, true);
    while (events[events.length - 1]?.data[0]?.state !== 'installed')
      await new Promise((r) => setTimeout(r, 20));
    assert.ok(events.every((e) => e.event === 'downloads:changed'));
    assert.ok(events.some((e) => e.data[0]!.state === 'downloading' && e.data[0]!.progress !== null));
    await web.close();
    while (!ended) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await web.close().catch(() => undefined);
    await hub.close();
  }
});

function send2(p: number, path: string, args: unknown[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: p,
        path,
        method: 'POST',
        headers: { [TOKEN_HEADER]: 'sse-token', 'Content-Type': 'application/json' },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve(body));
      },
    );
    req.on('error', reject);
    req.end(encodeJson(args));
  });
}
