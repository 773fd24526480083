/** The app frame: sidebar navigation, the current view, file drops anywhere, notices. */
import { useEffect, useState, type DragEvent } from 'react';
import { useApp } from '../store/react.tsx';
import type { View } from '../store/types.ts';
import { BackendBadge } from './BackendBadge.tsx';
import { ExportView } from './ExportView.tsx';
import { CaptionOverlay, LiveView } from './LiveView.tsx';
import { Notices } from './Notices.tsx';
import { QueueView } from './QueueView.tsx';
import { SettingsView } from './SettingsView.tsx';
import { TranscriptView } from './TranscriptView.tsx';

const NAV: { view: View; label: string; icon: string }[] = [
  { view: 'queue', label: 'Files', icon: '▤' },
  { view: 'transcript', label: 'Transcript', icon: '¶' },
  { view: 'export', label: 'Export', icon: '⇪' },
  { view: 'live', label: 'Live captions', icon: '◉' },
  { view: 'settings', label: 'Settings', icon: '⚙' },
];

function hasFiles(e: DragEvent): boolean {
  return [...e.dataTransfer.types].includes('Files');
}

export function App() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const addDropped = useApp((s) => s.addDropped);
  const queued = useApp(
    (s) => s.queue.filter((q) => ['queued', 'loading', 'running', 'paused'].includes(q.status)).length,
  );
  const [dragging, setDragging] = useState(false);

  // A file dropped outside a handler would navigate the page to it: never.
  useEffect(() => {
    const stop = (e: Event) => e.preventDefault();
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);

  return (
    <div
      className="app"
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        if (e.dataTransfer.files.length) void addDropped([...e.dataTransfer.files]);
      }}
    >
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden>
            ≋
          </span>
          Slim Whisper
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.view}>
              <button
                className={view === n.view ? 'nav active' : 'nav'}
                onClick={() => setView(n.view)}
                aria-current={view === n.view ? 'page' : undefined}
              >
                <span className="nav-icon" aria-hidden>
                  {n.icon}
                </span>
                {n.label}
                {n.view === 'queue' && queued > 0 ? <span className="count">{queued}</span> : null}
              </button>
            </li>
          ))}
        </ul>
        <BackendBadge />
      </nav>
      <main className="content">
        {view === 'queue' && <QueueView />}
        {view === 'transcript' && <TranscriptView />}
        {view === 'export' && <ExportView />}
        {view === 'live' && <LiveView />}
        {view === 'settings' && <SettingsView />}
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden>
          <div>Drop audio or video files to transcribe</div>
        </div>
      )}
      <CaptionOverlay />
      <Notices />
    </div>
  );
}
