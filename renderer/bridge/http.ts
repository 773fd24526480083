/**
 * The browser bridge (`npm run web`): the preload's API over HTTP to the same main-process
 * handlers, with the per-run token the server put into index.html. Dropped and picked files
 * are uploaded (a browser cannot name paths). Unasked events ('downloads:changed') come as
 * server-sent events from /bridge/events; files opened with the app and menu commands do not
 * exist in a browser.
 */
import { decodeJson, encodeJson } from '../../app/ipc/codec.ts';
import {
  API_CHANNELS,
  type ApiName,
  type CatalogListing,
  type EventApiName,
  type FileRef,
  type IpcResult,
  type PreloadApi,
} from '../../app/ipc/contract.ts';

export const TOKEN_META = 'slim-bridge-token';
export const TOKEN_HEADER = 'X-Slim-Token';

export function bridgeToken(doc: Document = document): string {
  return doc.querySelector<HTMLMetaElement>(`meta[name="${TOKEN_META}"]`)?.content ?? '';
}

/** Calls whose value is bytes: asked for raw (octet-stream), not as base64 inside JSON. */
const RAW_RESULTS = new Set<ApiName>(['readFile', 'readModelFile']);

async function post(
  url: string,
  token: string,
  body: BodyInit,
  type: string,
  raw = false,
): Promise<IpcResult<unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'Content-Type': type,
      [TOKEN_HEADER]: token,
      Accept: raw ? 'application/octet-stream, application/json' : 'application/json',
    },
  });
  if (res.ok && res.headers.get('Content-Type') === 'application/octet-stream')
    return { ok: true, value: new Uint8Array(await res.arrayBuffer()) };
  if (!res.ok && res.headers.get('Content-Type') !== 'application/json')
    return { ok: false, error: { code: 'IO', message: `bridge: HTTP ${res.status} ${await res.text()}` } };
  return decodeJson(await res.text()) as IpcResult<unknown>;
}

export function httpBridge(token: string, base = '/bridge'): PreloadApi {
  const downloadListeners = new Set<(catalog: CatalogListing[]) => void>();
  let stream: EventSource | null = null;
  const calls = Object.fromEntries(
    (Object.keys(API_CHANNELS) as ApiName[]).map((name) => [
      name,
      (...args: unknown[]) =>
        post(
          `${base}/call/${encodeURIComponent(API_CHANNELS[name])}`,
          token,
          encodeJson(args),
          'application/json',
          RAW_RESULTS.has(name),
        ),
    ]),
  ) as Omit<PreloadApi, 'addDroppedFiles' | EventApiName>;
  return {
    ...calls,
    addDroppedFiles: async (files) => {
      const refs: FileRef[] = [];
      for (const f of files) {
        const r = (await post(
          `${base}/upload?name=${encodeURIComponent(f.name)}`,
          token,
          f,
          'application/octet-stream',
        )) as IpcResult<FileRef>;
        if (!r.ok) return r;
        refs.push(r.value);
      }
      return { ok: true, value: refs };
    },
    onFilesOpened: () => () => undefined,
    onMenuCommand: () => () => undefined,
    // No overlay window in a browser: the captions overlay is part of the page.
    onOverlayChanged: () => () => undefined,
    onDownloadsChanged: (listener) => {
      downloadListeners.add(listener);
      stream ??= openEvents();
      return () => {
        downloadListeners.delete(listener);
        if (downloadListeners.size === 0) {
          stream?.close();
          stream = null;
        }
      };
    },
  };

  function openEvents(): EventSource {
    const es = new EventSource(`${base}/events?token=${encodeURIComponent(token)}`);
    es.addEventListener('downloads:changed', (e) => {
      const catalog = decodeJson((e as MessageEvent<string>).data) as CatalogListing[];
      for (const l of downloadListeners) l(catalog);
    });
    // EventSource reconnects by itself; what changed while it was away is read once it is back.
    let opened = false;
    es.addEventListener('open', () => {
      if (!opened) return void (opened = true);
      void post(
        `${base}/call/${encodeURIComponent(API_CHANNELS.listDownloads)}`,
        token,
        '[]',
        'application/json',
      ).then((r) => {
        if (r.ok) for (const l of downloadListeners) l(r.value as CatalogListing[]);
      });
    });
    return es;
  }
}
