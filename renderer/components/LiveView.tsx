/**
 * Live captions: start and stop the microphone, the captions as they are confirmed (normal)
 * with the tentative tail dimmed, the caption overlay, and saving the session afterwards.
 */
import { useEffect, useRef } from 'react';
import { Captions, overlayCaptions, wordsText } from '../live/Captions.tsx';
import { useApp } from '../store/react.tsx';

const STATUS: Record<string, string> = {
  idle: 'Ready',
  starting: 'Loading the model…',
  running: 'Listening',
  stopping: 'Finishing…',
  stopped: 'Stopped',
  error: 'Error',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function LiveView() {
  const live = useApp((s) => s.live);
  const start = useApp((s) => s.startLive);
  const stop = useApp((s) => s.stopLive);
  const setOverlay = useApp((s) => s.setLiveOverlay);
  const save = useApp((s) => s.saveLive);
  const windowed = useApp((s) => s.appInfo?.shell === 'electron');
  const bottom = useRef<HTMLDivElement>(null);
  const active = live.status === 'starting' || live.status === 'running' || live.status === 'stopping';
  const saved = live.status === 'stopped' && live.confirmed.length > 0;

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: 'end' });
  }, [live.confirmed.length, live.tentative]);

  return (
    <section className="view live-view">
      <header className="view-header">
        <h1>Live captions</h1>
        <div className="header-actions">
          <span className="muted" data-testid="live-status">
            {STATUS[live.status]}
            {live.status === 'running' && ` · ${seconds(live.audioMs)} heard`}
            {live.lastPassMs !== null && active && ` · pass ${seconds(live.lastPassMs)}`}
          </span>
          <label
            className="check"
            title={
              windowed
                ? 'Captions in a small window that stays on top of other apps'
                : 'Captions over the page'
            }
          >
            <input
              type="checkbox"
              checked={live.overlay}
              onChange={(e) => void setOverlay(e.target.checked)}
            />{' '}
            {windowed ? 'Overlay window' : 'Overlay'}
          </label>
          {active ? (
            <button onClick={() => void stop()} disabled={live.status === 'stopping'}>
              Stop
            </button>
          ) : (
            <button className="primary" onClick={() => void start()}>
              Start
            </button>
          )}
        </div>
      </header>
      {live.error && (
        <p className="live-error" role="alert">
          {live.error}
        </p>
      )}
      {live.confirmed.length === 0 && live.tentative.length === 0 ? (
        <div className="empty">
          <p className="empty-title">{active ? 'Speak…' : 'Captions from your microphone'}</p>
          <p>Confirmed words appear in full; the words still being decided are dimmed.</p>
        </div>
      ) : (
        <div className="live-captions">
          <Captions confirmed={wordsText(live.confirmed)} tentative={wordsText(live.tentative)} />
          <div ref={bottom} />
        </div>
      )}
      <footer className="live-footer">
        <span className="muted">
          {live.recordedMs > 0
            ? `Recorded ${seconds(live.recordedMs)}`
            : 'The session is recorded while it runs.'}
        </span>
        <button onClick={() => void save('srt')} disabled={!saved}>
          Save SRT…
        </button>
        <button onClick={() => void save('vtt')} disabled={!saved}>
          Save VTT…
        </button>
        <button
          onClick={() => void save('wav')}
          disabled={live.status !== 'stopped' || live.recordedMs === 0}
        >
          Save WAV…
        </button>
      </footer>
    </section>
  );
}

/** The caption overlay inside the page: the browser build's (Electron has its own window). */
export function CaptionOverlay() {
  const live = useApp((s) => s.live);
  const windowed = useApp((s) => s.appInfo?.shell === 'electron');
  if (!live.overlay || windowed) return null;
  return (
    <div className="caption-overlay" data-testid="caption-overlay" aria-live="polite">
      <Captions {...overlayCaptions(live.confirmed, live.tentative)} />
    </div>
  );
}
