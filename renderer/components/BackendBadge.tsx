/** Which backend the engine runs on, and a notice when WebGPU was wanted but is not used. */
import { useApp } from '../store/react.tsx';

export function BackendBadge() {
  const b = useApp((s) => s.backend);
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
      {!b.softwareAdapter && b.fellBack && <p className="backend-note">No WebGPU adapter: using WASM.</p>}
      {!b.crossOriginIsolated && (
        <p className="backend-note">Page is not cross-origin isolated: WASM runs on one thread.</p>
      )}
    </div>
  );
}
