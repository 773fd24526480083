/**
 * The catalog part of the model manager: every catalog model with Download / Pause / Resume /
 * Cancel, a progress bar with speed and ETA while it downloads. Progress is pushed by the main
 * process ('downloads:changed', into the store; no polling); installed models appear in the
 * Models table above, with their size, source and Delete.
 */
import { useEffect } from 'react';
import type { CatalogListing } from '../../app/ipc/contract.ts';
import { bytesText, etaText } from '../logic/time.ts';
import { useApp } from '../store/react.tsx';

function Progress({ c }: { c: CatalogListing }) {
  const p = c.progress;
  if (!p) return <span className="muted">starting…</span>;
  const fraction = p.totalBytes > 0 ? Math.min(1, p.receivedBytes / p.totalBytes) : 0;
  const speed = p.bytesPerSecond !== null ? `${bytesText(Math.round(p.bytesPerSecond))}/s` : '';
  const eta = p.etaMs !== null ? etaText(p.etaMs / 1000) : '';
  return (
    <div className="download-progress">
      <progress max={1} value={fraction} aria-label={`${c.name} download`} />
      <span className="muted" data-testid="download-status">
        {bytesText(p.receivedBytes)} of {bytesText(p.totalBytes)}
        {speed && ` · ${speed}`}
        {eta && ` · ${eta}`}
        {p.phase === 'retrying' && ' · retrying'}
        {p.phase === 'installing' && ' · installing'}
      </span>
    </div>
  );
}

export function ModelDownloads() {
  const catalog = useApp((s) => s.catalog);
  const refresh = useApp((s) => s.refreshCatalog);
  const download = useApp((s) => s.download);

  // One look when shown; from then on the main process pushes every change.
  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <table className="models catalog">
      <thead>
        <tr>
          <th>Catalog model</th>
          <th>Download</th>
          <th>Status</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {catalog.map((c) => (
          <tr key={c.name} data-testid="catalog-row" data-state={c.state}>
            <td title={c.description}>
              {c.name}
              {!c.multilingual && <span className="muted"> (English)</span>}
            </td>
            <td>{bytesText(c.approxBytes)}</td>
            <td>
              {c.state === 'downloading' && <Progress c={c} />}
              {c.state === 'paused' && <span className="muted">paused, {bytesText(c.bytes)} kept</span>}
              {c.state === 'installed' && <span>installed ({bytesText(c.bytes)})</span>}
              {c.state === 'none' && c.error && <span className="error">{c.error.message}</span>}
            </td>
            <td className="row-actions">
              {c.state === 'none' && <button onClick={() => void download('start', c.name)}>Download</button>}
              {c.state === 'downloading' && (
                <button onClick={() => void download('pause', c.name)}>Pause</button>
              )}
              {c.state === 'paused' && <button onClick={() => void download('start', c.name)}>Resume</button>}
              {(c.state === 'downloading' || c.state === 'paused') && (
                <button className="ghost" onClick={() => void download('cancel', c.name)}>
                  Cancel
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
