/**
 * The renderer's one door to the main process: the preload's `window.slimWhisper` in Electron,
 * or the HTTP bridge in a plain browser. Envelopes are unwrapped here into values or IpcErrors
 * that keep the main process's error code.
 */
import {
  API_CHANNELS,
  PRELOAD_GLOBAL,
  type ApiName,
  type EventApiName,
  type IpcResult,
  type PreloadApi,
  type RendererApi,
} from '../../app/ipc/contract.ts';
import type { ErrorCode, ErrorData } from '../../models/errors.ts';

export class IpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'IpcError';
  }
}

export function unwrap<T>(r: IpcResult<T>): T {
  if (r.ok) return r.value;
  throw new IpcError(r.error.code, r.error.message);
}

/** `{ code, message }` of anything thrown, for the store. */
export function errorData(err: unknown): ErrorData {
  if (err instanceof IpcError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: 'INTERNAL', message: err.message };
  return { code: 'INTERNAL', message: String(err) };
}

export function wrapApi(raw: PreloadApi): RendererApi {
  const calls = Object.fromEntries(
    (Object.keys(API_CHANNELS) as ApiName[]).map((name) => {
      const f = raw[name] as (...a: unknown[]) => Promise<IpcResult<unknown>>;
      return [name, async (...args: unknown[]) => unwrap(await f(...args))];
    }),
  ) as Omit<RendererApi, 'addDroppedFiles' | EventApiName>;
  return {
    ...calls,
    addDroppedFiles: async (files) => unwrap(await raw.addDroppedFiles(files)),
    onFilesOpened: (l) => raw.onFilesOpened(l),
    onMenuCommand: (l) => raw.onMenuCommand(l),
    onDownloadsChanged: (l) => raw.onDownloadsChanged(l),
    onOverlayChanged: (l) => raw.onOverlayChanged(l),
  };
}

export function preloadApi(): PreloadApi | undefined {
  return (globalThis as unknown as Record<string, PreloadApi | undefined>)[PRELOAD_GLOBAL];
}
