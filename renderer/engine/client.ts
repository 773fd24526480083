/** The engine worker from the page's side: a module worker bundled beside the app. */
import {
  isWorkerRequest,
  requestTransfer,
  type WorkerEvent,
  type WorkerRequest,
} from '../../app/worker/protocol.ts';

export interface EngineConnection {
  post(req: WorkerRequest): void;
  terminate(): void;
}

export function startEngine(
  onEvent: (ev: WorkerEvent) => void,
  onCrash: (message: string) => void,
): EngineConnection {
  const worker = new Worker(new URL('./assets/engine-worker.js', document.baseURI), {
    type: 'module',
    name: 'engine',
  });
  worker.addEventListener('message', (e: MessageEvent<WorkerEvent>) => onEvent(e.data));
  worker.addEventListener('error', (e) => onCrash(e.message || 'the engine worker failed to start'));
  return {
    post: (req) => {
      if (isWorkerRequest(req)) worker.postMessage(req, requestTransfer(req));
    },
    terminate: () => worker.terminate(),
  };
}
