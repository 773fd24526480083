/**
 * Entry of the engine worker (bundled to dist/renderer/assets/engine-worker.js): wires the
 * worker's globals to EngineHost. Everything else lives in host.ts so that Node tests run it.
 */
import type { GpuLike } from '../encoder/backend.ts';
import { toErrorData } from '../../models/errors.ts';
import { loadEngine, loadLiveModel } from './engine.ts';
import { EngineHost } from './host.ts';
import { eventTransfer, isWorkerRequest, type WorkerEvent } from './protocol.ts';

/** The parts of DedicatedWorkerGlobalScope used here (typed locally: app/ has no DOM lib). */
interface WorkerScope {
  postMessage(message: WorkerEvent, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (e: { data: unknown }) => void): void;
  navigator?: { gpu?: GpuLike };
}

const scope = globalThis as unknown as WorkerScope;
const post = (ev: WorkerEvent): void => scope.postMessage(ev, eventTransfer(ev));
const host = new EngineHost({ post, gpu: scope.navigator?.gpu, loadEngine, loadLiveModel });

scope.addEventListener('message', (e) => {
  if (!isWorkerRequest(e.data)) {
    post({
      type: 'error',
      jobId: null,
      error: { code: 'INVALID_ARGUMENT', message: 'the engine worker got a message it does not know' },
    });
    return;
  }
  try {
    host.handle(e.data);
  } catch (err) {
    post({ type: 'error', jobId: null, error: toErrorData(err) });
  }
});
