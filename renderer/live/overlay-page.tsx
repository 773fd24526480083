/**
 * The caption overlay window's page (Electron; overlay.html): shows what the main process sends
 * ('overlay:captions' through the overlay preload's `slimWhisperOverlay`). The window is
 * frameless: the page is its drag handle, with a close button (and Escape) to close it.
 */
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { OVERLAY_GLOBAL, type OverlayApi, type OverlayCaptions } from '../../app/ipc/contract.ts';
import { Captions } from './Captions.tsx';

const api = (globalThis as unknown as Record<string, OverlayApi | undefined>)[OVERLAY_GLOBAL];

function Overlay() {
  const [captions, setCaptions] = useState<OverlayCaptions>({ confirmed: '', tentative: '' });
  useEffect(() => api?.onCaptions(setCaptions), []);
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') window.close();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const empty = !captions.confirmed && !captions.tentative;
  return (
    <main className="overlay" aria-live="polite">
      <button
        className="overlay-close"
        title="Close the overlay"
        aria-label="Close"
        onClick={() => window.close()}
      >
        ×
      </button>
      {empty ? (
        <p className="overlay-idle">Captions appear here while live captions run.</p>
      ) : (
        <Captions {...captions} />
      )}
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<Overlay />);
