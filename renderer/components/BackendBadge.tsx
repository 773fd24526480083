/**
 * Which backend the engine runs on (WebGPU adapter, or WASM and its threads), a notice when
 * WebGPU is a software adapter or failed and the engine fell back, and the model's engine state.
 */
import { useApp } from '../store/react.tsx';

export function BackendBadge() {
  const b = useApp((s) => s.backend);
  const engine = useApp((s) => s.engine);
  if (!b)
    return (
      <div className="backend" data-testid="backend">
        <span className="dot pending" /> Probing backend…
      </div>
    );
  const label =
    b.backend === 'webgpu'
      ? `WebGPU · ${b.adapter ?? 'GPU'}`
      : `WASM · ${b.threads} thread${b.threads === 1 ? '' : 's'}`;
  const warn = b.softwareAdapter || b.fellBack || !b.crossOriginIsolated;
  // A fallback decided when the engine was built (WebGPU failed to start) carries its reason.
  const failed = b.fellBack && b.adapter !== null && !b.softwareAdapter;
  return (
    <div className="backend" data-testid="backend" title={b.reason}>
      <div>
        <span className={warn ? 'dot warn' : 'dot ok'} /> {label}
      </div>
      {b.softwareAdapter && (
        <p className="backend-note">
          WebGPU adapter is a software renderer{b.adapter ? ` (${b.adapter})` : ''}:{' '}
          {b.backend === 'wasm' ? 'using WASM instead.' : 'expect it to be slow.'}
        </p>
      )}
      {failed && <p className="backend-note">WebGPU failed to start: using WASM. {b.reason}</p>}
      {!b.softwareAdapter && b.fellBack && !failed && (
        <p className="backend-note">No WebGPU adapter: using WASM.</p>
      )}
      {!b.crossOriginIsolated && (
        <p className="backend-note">Page is not cross-origin isolated: WASM runs on one thread.</p>
      )}
      {engine && (
        <p className={`engine-status ${engine.state}`} data-testid="engine-status" title={engine.model}>
          {engine.state === 'loading' ? <span className="dot pending" /> : null} {engine.detail}
        </p>
      )}
    </div>
  );
}
