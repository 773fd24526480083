/**
 * Entry of the renderer: connect to the main process (preload in Electron, HTTP bridge in a
 * browser), start the engine worker, create the store and render the app.
 */
import { createRoot } from 'react-dom/client';
import { encodeWav } from './logic/wav.ts';
import { bridgeToken, httpBridge } from './bridge/http.ts';
import { preloadApi, wrapApi } from './bridge/api.ts';
import { startEngine } from './engine/client.ts';
import { startMicrophone } from './live/capture.ts';
import { createAppStore } from './store/create.ts';
import { StoreProvider } from './store/react.tsx';
import { App } from './components/App.tsx';
import type { AudioPayload } from '../app/ipc/contract.ts';

function mediaUrl(audio: AudioPayload): string {
  const bytes = audio.kind === 'wav' ? audio.bytes : encodeWav(audio.samples, 16000);
  return URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }));
}

function download(name: string, data: string | Uint8Array, mime: string): void {
  const blob =
    typeof data === 'string'
      ? new Blob([data], { type: `${mime};charset=utf-8` })
      : new Blob([data as Uint8Array<ArrayBuffer>], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const api = wrapApi(preloadApi() ?? httpBridge(bridgeToken()));
let engine: ReturnType<typeof startEngine> | null = null;
const store = createAppStore({
  api,
  postToEngine: (req) => engine?.post(req),
  now: () => performance.now(),
  newId: () => crypto.randomUUID(),
  mediaUrl,
  download,
  startMicrophone,
});
engine = startEngine(
  (ev) => store.getState().handleWorkerEvent(ev),
  (message) => store.getState().notify('error', `Engine worker: ${message}`),
);
void store.getState().init();

createRoot(document.getElementById('root')!).render(
  <StoreProvider store={store}>
    <App />
  </StoreProvider>,
);
