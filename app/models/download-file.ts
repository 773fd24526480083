/**
 * One file over HTTP(S) with Node's fetch, the way a model file has to come down: into
 * `<dest>.part`, resumed with a Range request after a dropped connection (a 206 whose
 * Content-Range starts where the part ends; a 200 means the server ignored the range, so the part
 * starts over), retried with exponential backoff on transient failures, checked for size and
 * hash, and renamed to `<dest>` only when it is right.
 *
 * Hashes: a pinned sha256, and what the Hugging Face hub serves with a file. The hub answers a
 * `resolve` URL itself (its responses carry X-Repo-Commit): for an LFS file with a redirect to its
 * CDN that carries X-Linked-Etag (the sha256 of the content) and X-Linked-Size; for a small file
 * in git with the content and an ETag that is the git blob sha1. Redirects are followed by hand
 * to read those headers. A mirror without them gets size checks only.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, stat, truncate } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SlimError } from '../../models/errors.ts';

export interface FileDownloadRequest {
  url: string;
  /** Final path; the download goes to `<dest>.part` first. */
  dest: string;
  /** Pinned sha256 of the content (hex), checked besides the server's. */
  sha256?: string;
  signal?: AbortSignal;
  /** Transient failures in a row before giving up (default 5). */
  retries?: number;
  /** First backoff delay; doubles each retry, capped at 30 s (default 1000). */
  retryBaseMs?: number;
  /** A response that sends nothing for this long is dropped and retried (default 30 s). */
  idleTimeoutMs?: number;
  /** Bytes of the file on disk so far (resumed part included), and the total when known. */
  onBytes?: (receivedBytes: number, totalBytes: number | null) => void;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  userAgent?: string;
}

export interface FileDownloadResult {
  bytes: number;
  sha256: string;
  /** The hub's X-Repo-Commit, when it sent one. */
  commit: string | null;
  /** What the content was checked against. */
  verifiedWith: Array<'pinned-sha256' | 'hub-sha256' | 'hub-git-sha1' | 'size'>;
  /** Byte offset of the first resumed request (0 when it never resumed). */
  resumedFrom: number;
}

/** A failure with an HTTP status, so callers can tell a missing optional file from the rest. */
export class HttpStatusError extends SlimError {
  readonly status: number;
  constructor(code: ConstructorParameters<typeof SlimError>[0], status: number, message: string) {
    super(code, message);
    this.status = status;
  }
}

/** No connection at all: DNS or routing fails, or nothing listens. */
const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Statuses worth another try. */
const TRANSIENT_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

/** The system error code under fetch's "fetch failed" TypeError, if any. */
export function networkErrorCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const o = e as { code?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof o.code === 'string' && !o.code.startsWith('ABORT')) return o.code;
    if (Array.isArray(o.errors) && o.errors.length > 0) e = o.errors[0];
    else e = o.cause;
  }
  return undefined;
}

/** A failure worth another try. */
class Transient extends Error {
  readonly retryAfterMs: number | null;
  /** No connection could be made at all. */
  readonly offline: boolean;
  /** The attempt moved the part on, so the run of failures starts again. */
  readonly progressed: boolean;
  constructor(
    message: string,
    opts: { retryAfterMs?: number | null; offline?: boolean; progressed?: boolean } = {},
  ) {
    super(message);
    this.retryAfterMs = opts.retryAfterMs ?? null;
    this.offline = opts.offline ?? false;
    this.progressed = opts.progressed ?? false;
  }
}

class HashError extends SlimError {
  constructor(
    message: string,
    readonly resumed: boolean,
  ) {
    super('MODEL_HASH', message);
  }
}

/** The hash of a part as the last attempt left it, so a resume need not read the part again. */
interface HashCarry {
  bytes: number;
  hash: Hash | null;
}

/** Header metadata gathered along the redirect chain. */
interface HubMeta {
  commit: string | null;
  linkedEtag: string | null;
  linkedSize: number | null;
  etag: string | null;
}

function unquote(etag: string | null): string | null {
  if (etag === null) return null;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

function intHeader(v: string | null): number | null {
  if (v === null || !/^\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

function retryAfterMs(v: string | null): number | null {
  if (v === null) return null;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

async function partSize(path: string): Promise<number> {
  const st = await stat(path).catch(() => null);
  return st?.isFile() ? st.size : 0;
}

/** Hash of the first `bytes` bytes of a file (the part being resumed). */
function hashPrefix(path: string, bytes: number, h: ReturnType<typeof createHash>): Promise<void> {
  if (bytes === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    createReadStream(path, { start: 0, end: bytes - 1 })
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve());
  });
}

/** git's blob id of a file: sha1("blob <size>\0" + content). */
async function gitBlobSha1(path: string, size: number): Promise<string> {
  const h = createHash('sha1');
  h.update(`blob ${size}\0`);
  await hashPrefix(path, size, h);
  return h.digest('hex');
}

/** fetch's "fetch failed" with the reason under it: "fetch failed (getaddrinfo ENOTFOUND host)". */
function describeError(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const cause = (err as { cause?: unknown }).cause;
  const inner = cause instanceof Error ? cause.message : undefined;
  const code = networkErrorCode(err);
  const detail = inner && inner !== msg ? inner : code;
  return detail && !msg.includes(detail)
    ? `${msg} (${detail}${code && !detail.includes(code) ? `, ${code}` : ''})`
    : msg;
}

/**
 * Downloads `req.url` to `req.dest` (see the module comment). Throws SlimError: CANCELLED (the
 * part is kept for a resume), MODEL_OFFLINE (no connection could be made), MODEL_NOT_FOUND (404,
 * 410), MODEL_HASH (content differs; the part is deleted), MODEL_DOWNLOAD (anything else, after
 * the retries; the part is kept).
 */
export async function downloadFile(req: FileDownloadRequest): Promise<FileDownloadResult> {
  const part = `${req.dest}.part`;
  const retries = req.retries ?? 5;
  const baseMs = req.retryBaseMs ?? 1000;
  const idleMs = req.idleTimeoutMs ?? 30_000;
  let failures = 0;
  let attempts = 0;
  let restartedAfterHash = false;
  let resumedFrom = 0;
  let anyResponse = false;
  const carry: HashCarry = { bytes: -1, hash: null };
  for (;;) {
    attempts++;
    try {
      const r = await attempt(req, part, idleMs, carry, () => (anyResponse = true));
      if (resumedFrom === 0 && r.startedAt > 0) resumedFrom = r.startedAt;
      await verify(req, part, r);
      await rename(part, req.dest);
      return {
        bytes: r.bytes,
        sha256: r.sha256,
        commit: r.meta.commit,
        verifiedWith: r.verifiedWith,
        resumedFrom,
      };
    } catch (err) {
      if (req.signal?.aborted) {
        throw new SlimError('CANCELLED', `download of ${req.url} cancelled; ${part} is kept for a resume`, {
          cause: err,
        });
      }
      if (err instanceof HashError && err.resumed && !restartedAfterHash) {
        // A resumed part may hold bytes of an older version of the file: start over once.
        restartedAfterHash = true;
        continue;
      }
      if (!(err instanceof Transient)) throw err;
      if (err.offline && !anyResponse) {
        throw new SlimError('MODEL_OFFLINE', `${req.url}: ${err.message}`, { cause: err });
      }
      if (err.progressed) failures = 0;
      failures++;
      if (failures > retries || attempts > 100) {
        const kept = await partSize(part);
        throw new SlimError(
          'MODEL_DOWNLOAD',
          `${req.url}: ${err.message} (gave up after ${attempts} tries${kept > 0 ? `; ${kept} bytes kept in ${part} for a resume` : ''})`,
          { cause: err },
        );
      }
      const delayMs = err.retryAfterMs ?? Math.min(30_000, baseMs * 2 ** (failures - 1));
      req.onRetry?.({ attempt: failures, delayMs, reason: err.message });
      try {
        await sleep(delayMs, undefined, req.signal ? { signal: req.signal } : {});
      } catch {
        throw new SlimError('CANCELLED', `download of ${req.url} cancelled; ${part} is kept for a resume`);
      }
    }
  }
}

interface AttemptResult {
  bytes: number;
  sha256: string;
  meta: HubMeta;
  total: number | null;
  startedAt: number;
  verifiedWith: FileDownloadResult['verifiedWith'];
}

/** One request (plus redirects) and its body into the part file. */
async function attempt(
  req: FileDownloadRequest,
  part: string,
  idleMs: number,
  carry: HashCarry,
  onResponse: () => void,
): Promise<AttemptResult> {
  let start = await partSize(part);
  // The kept part is hashed before the request: hashing gigabytes after it would leave the
  // response unread for longer than a server (or the idle timer) waits.
  let h: Hash;
  if (carry.hash && carry.bytes === start)
    h = carry.hash.copy(); // what the last attempt hashed
  else {
    h = createHash('sha256');
    await hashPrefix(part, start, h);
  }
  const idle = new AbortController();
  const signal = req.signal ? AbortSignal.any([req.signal, idle.signal]) : idle.signal;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new Error(`no data for ${idleMs / 1000} s`)), idleMs);
  };
  const meta: HubMeta = { commit: null, linkedEtag: null, linkedSize: null, etag: null };
  try {
    arm();
    let url = req.url;
    let res: Response;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {
        'accept-encoding': 'identity', // byte offsets must be offsets into the file itself
        'user-agent': req.userAgent ?? 'slim-whisper',
      };
      if (start > 0) headers.range = `bytes=${start}-`;
      try {
        res = await fetch(url, { headers, redirect: 'manual', signal });
      } catch (err) {
        if (req.signal?.aborted) throw err;
        const code = networkErrorCode(err);
        if (idle.signal.aborted) throw new Transient(`no answer for ${idleMs / 1000} s`);
        throw new Transient(describeError(err), { offline: code !== undefined && OFFLINE_CODES.has(code) });
      }
      onResponse();
      const commit = res.headers.get('x-repo-commit');
      if (commit) {
        meta.commit ??= commit;
        meta.linkedEtag ??= unquote(res.headers.get('x-linked-etag'));
        meta.linkedSize ??= intHeader(res.headers.get('x-linked-size'));
        meta.etag ??= unquote(res.headers.get('etag'));
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        if (hop >= 10) throw new SlimError('MODEL_DOWNLOAD', `${req.url}: more than 10 redirects`);
        url = new URL(location, url).toString();
        continue;
      }
      break;
    }
    arm();

    if (res.status === 416 && start > 0) {
      await res.body?.cancel();
      // The part may already be whole (a crash between the last byte and the rename).
      const m = /^bytes \*\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      const total = m ? Number(m[1]) : meta.linkedSize;
      if (total === start)
        return { bytes: start, sha256: h.digest('hex'), meta, total, startedAt: start, verifiedWith: [] };
      await truncate(part, 0);
      throw new Transient('the server refused the resume range; starting the file over');
    }
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      await rm(part, { force: true });
      throw new HttpStatusError('MODEL_NOT_FOUND', res.status, `${req.url}: ${res.status} not found`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      await rm(part, { force: true });
      throw new HttpStatusError(
        'MODEL_DOWNLOAD',
        res.status,
        `${req.url}: ${res.status} ${res.statusText || 'refused'} (the hub answers this for a repository that is private, gated or does not exist)`,
      );
    }
    if (TRANSIENT_STATUS.has(res.status) || res.status >= 500) {
      await res.body?.cancel();
      throw new Transient(`${res.status} ${res.statusText}`.trim(), {
        retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
      });
    }
    if (res.status !== 200 && res.status !== 206) {
      await res.body?.cancel();
      throw new HttpStatusError(
        'MODEL_DOWNLOAD',
        res.status,
        `${req.url}: unexpected ${res.status} ${res.statusText}`,
      );
    }
    if (!res.body) throw new Transient('the response has no body');

    let total: number | null;
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== start) {
        await res.body.cancel();
        await truncate(part, 0);
        throw new Transient(
          `the server sent range "${res.headers.get('content-range')}" for bytes=${start}-; starting the file over`,
        );
      }
      total = m[3] === '*' ? meta.linkedSize : Number(m[3]);
    } else {
      start = 0; // 200: the whole file, whatever was asked
      total = meta.linkedSize ?? intHeader(res.headers.get('content-length'));
    }
    if (meta.linkedSize !== null && total !== null && total !== meta.linkedSize) {
      await res.body.cancel();
      throw new Transient(`the server reports ${total} bytes, the hub ${meta.linkedSize}`);
    }

    if (start === 0) h = createHash('sha256'); // a 200 to a ranged request: the part starts over
    const fh = await open(part, start > 0 ? 'r+' : 'w');
    let pos = start;
    try {
      if (start > 0) await fh.truncate(start);
      req.onBytes?.(pos, total);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        arm();
        await fh.write(chunk, 0, chunk.length, pos);
        h.update(chunk);
        pos += chunk.length;
        req.onBytes?.(pos, total);
      }
    } catch (err) {
      carry.bytes = pos;
      carry.hash = h.copy();
      if (req.signal?.aborted) throw err;
      const why = idle.signal.aborted ? `no data for ${idleMs / 1000} s` : describeError(err);
      throw new Transient(`connection lost at byte ${pos}${total ? ` of ${total}` : ''}: ${why}`, {
        progressed: pos > start,
      });
    } finally {
      await fh.close();
    }
    if (total !== null && pos < total) {
      throw new Transient(`the connection ended at byte ${pos} of ${total}`, { progressed: pos > start });
    }
    if (total !== null && pos > total) {
      await rm(part, { force: true });
      throw new SlimError(
        'MODEL_DOWNLOAD',
        `${req.url}: ${pos} bytes arrived, the server announced ${total}`,
      );
    }
    return { bytes: pos, sha256: h.digest('hex'), meta, total, startedAt: start, verifiedWith: [] };
  } finally {
    clearTimeout(timer);
  }
}

/** Size and hash checks; a mismatch deletes the part. */
async function verify(req: FileDownloadRequest, part: string, r: AttemptResult): Promise<void> {
  const fail = async (what: string): Promise<never> => {
    await rm(part, { force: true });
    throw new HashError(`${req.url}: ${what}; the download was deleted`, r.startedAt > 0);
  };
  if (r.total !== null) {
    if (r.bytes !== r.total) await fail(`${r.bytes} bytes, expected ${r.total}`);
    r.verifiedWith.push('size');
  }
  const pinned = req.sha256?.toLowerCase();
  if (pinned) {
    if (r.sha256 !== pinned) await fail(`sha256 ${r.sha256} differs from the pinned ${pinned}`);
    r.verifiedWith.push('pinned-sha256');
  }
  // The hub's LFS id is the content's sha256; a plain ETag of 64 hex digits is the same id.
  const hubSha256 = [r.meta.linkedEtag, r.meta.etag].find((t) => t !== null && /^[0-9a-f]{64}$/.test(t));
  if (hubSha256) {
    if (r.sha256 !== hubSha256) await fail(`sha256 ${r.sha256} differs from the hub's ${hubSha256}`);
    r.verifiedWith.push('hub-sha256');
  } else if (r.meta.linkedEtag === null && r.meta.etag !== null && /^[0-9a-f]{40}$/.test(r.meta.etag)) {
    const sha1 = await gitBlobSha1(part, r.bytes);
    if (sha1 !== r.meta.etag) await fail(`git blob id ${sha1} differs from the hub's ${r.meta.etag}`);
    r.verifiedWith.push('hub-git-sha1');
  }
}
