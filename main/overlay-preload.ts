/**
 * The caption overlay window's preload (sandboxed, bundled to CommonJS): exposes
 * `window.slimWhisperOverlay` with a captions subscription and nothing else. The overlay calls
 * no channel: the main process refuses calls from its page anyway.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { OVERLAY_GLOBAL, type OverlayApi, type OverlayCaptions } from '../app/ipc/contract.ts';

const isCaptions = (v: unknown): v is OverlayCaptions =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as OverlayCaptions).confirmed === 'string' &&
  typeof (v as OverlayCaptions).tentative === 'string';

const api: OverlayApi = {
  onCaptions: (listener) => {
    const handler = (_e: IpcRendererEvent, value: unknown): void => {
      if (isCaptions(value)) listener({ confirmed: value.confirmed, tentative: value.tentative });
    };
    ipcRenderer.on('overlay:captions', handler);
    return () => void ipcRenderer.removeListener('overlay:captions', handler);
  },
};

contextBridge.exposeInMainWorld(OVERLAY_GLOBAL, api);
