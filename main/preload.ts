/**
 * The preload (sandboxed, bundled to CommonJS): exposes `window.slimWhisper` with one named
 * function per IPC channel, never ipcRenderer itself. Dropped files are resolved to paths here
 * from real File objects (webUtils), so the page can never ask for an arbitrary path.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  API_CHANNELS,
  MENU_COMMANDS,
  PRELOAD_GLOBAL,
  type ApiName,
  type CatalogListing,
  type EventApiName,
  type FileRef,
  type IpcResult,
  type MenuCommand,
  type PreloadApi,
} from '../app/ipc/contract.ts';

function invoker(channel: string) {
  // A named function per channel: the channel is fixed here, never chosen by the page.
  return (...args: unknown[]): Promise<IpcResult<unknown>> =>
    ipcRenderer.invoke(channel, ...args) as Promise<IpcResult<unknown>>;
}

function subscribe<T>(
  event: string,
  accept: (v: unknown) => v is T,
  listener: (value: T) => void,
): () => void {
  const handler = (_e: IpcRendererEvent, value: unknown): void => {
    if (accept(value)) listener(value);
  };
  ipcRenderer.on(event, handler);
  return () => void ipcRenderer.removeListener(event, handler);
}

const isFileRefs = (v: unknown): v is FileRef[] =>
  Array.isArray(v) &&
  v.every((f) => typeof f === 'object' && f !== null && typeof (f as FileRef).path === 'string');
const isCatalog = (v: unknown): v is CatalogListing[] =>
  Array.isArray(v) &&
  v.every(
    (c) =>
      typeof c === 'object' &&
      c !== null &&
      typeof (c as CatalogListing).name === 'string' &&
      typeof (c as CatalogListing).state === 'string',
  );
const isMenuCommand = (v: unknown): v is MenuCommand => (MENU_COMMANDS as readonly unknown[]).includes(v);

const invokers = Object.fromEntries(
  (Object.keys(API_CHANNELS) as ApiName[]).map((name) => [name, invoker(API_CHANNELS[name])]),
) as Omit<PreloadApi, 'addDroppedFiles' | EventApiName>;

const api: PreloadApi = {
  ...invokers,
  addDroppedFiles: async (files) => {
    const paths = files.map((f) => webUtils.getPathForFile(f)).filter((p) => p !== '');
    if (paths.length === 0) return { ok: true, value: [] };
    return ipcRenderer.invoke('files:grantDropped', paths) as Promise<IpcResult<FileRef[]>>;
  },
  onFilesOpened: (listener) => subscribe('files:opened', isFileRefs, listener),
  onMenuCommand: (listener) => subscribe('menu:command', isMenuCommand, listener),
  onDownloadsChanged: (listener) => subscribe('downloads:changed', isCatalog, listener),
  onOverlayChanged: (listener) =>
    subscribe('overlay:changed', (v): v is boolean => typeof v === 'boolean', listener),
};

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, api);
