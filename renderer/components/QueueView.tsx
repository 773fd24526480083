/** The file queue: add files, per-file progress and ETA, pause/resume/cancel, errors in place, saved jobs. */
import { useRef } from 'react';
import { useApp } from '../store/react.tsx';
import type { QueueItem } from '../store/types.ts';
import { bytesText, clock, etaText } from '../logic/time.ts';
import { ALLOWED_EXTENSIONS, type JobSummary } from '../../app/ipc/contract.ts';

const STATUS_TEXT: Record<QueueItem['status'], string> = {
  queued: 'Queued',
  loading: 'Loading audio',
  running: 'Transcribing',
  paused: 'Paused',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

const STAGE_TEXT = {
  decoding: 'Decoding audio',
  'loading-model': 'Loading the model',
  features: 'Computing features',
  encoding: 'Encoding',
  'decoding-text': 'Decoding text',
};

function AddFilesButton() {
  const nativeDialogs = useApp((s) => s.appInfo?.nativeDialogs ?? true);
  const addFromDialog = useApp((s) => s.addFromDialog);
  const addDropped = useApp((s) => s.addDropped);
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        className="primary"
        onClick={() => (nativeDialogs ? void addFromDialog() : input.current?.click())}
      >
        Add files…
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        data-testid="file-input"
        accept={ALLOWED_EXTENSIONS.audio.map((e) => `.${e}`).join(',')}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          if (files.length) void addDropped(files);
        }}
      />
    </>
  );
}

function Progress({ it }: { it: QueueItem }) {
  const p = it.progress;
  const total = p?.totalS ?? (it.durationMs ?? 0) / 1000;
  const done = p?.processedS ?? it.resumeFromMs / 1000;
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const active = it.status === 'running' || it.status === 'paused' || it.status === 'loading';
  if (!active && it.status !== 'done') return null;
  return (
    <div className="progress-wrap">
      <div
        className="progress"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(frac * 100)}
      >
        <div
          className={it.status === 'paused' ? 'bar paused' : 'bar'}
          style={{ width: `${(it.status === 'done' ? 1 : frac) * 100}%` }}
        />
      </div>
      <div className="progress-text">
        {it.status === 'loading'
          ? 'Reading the file…'
          : it.status === 'done'
            ? `Transcribed ${clock(total * 1000)} of audio in ${clock(it.activeMs)}`
            : p
              ? `${STAGE_TEXT[p.stage]} · ${clock(done * 1000)} / ${clock(total * 1000)}`
              : ''}
        {it.status === 'running' && it.etaS !== null ? ` · ${etaText(it.etaS)}` : ''}
      </div>
    </div>
  );
}

function Row({ it }: { it: QueueItem }) {
  const pause = useApp((s) => s.pauseJob);
  const resume = useApp((s) => s.resumeJob);
  const cancel = useApp((s) => s.cancelJob);
  const remove = useApp((s) => s.removeJob);
  const retry = useApp((s) => s.retryJob);
  const openDoc = useApp((s) => s.openDoc);
  const hasDoc = useApp((s) => (s.docs[it.jobId]?.segments.length ?? 0) > 0);
  return (
    <li className={`queue-row ${it.status}`} data-testid="queue-row">
      <div className="row-main">
        <div className="file-name" title={it.file.path}>
          {it.file.name}
        </div>
        <div className="file-meta">
          {bytesText(it.file.size)}
          {it.durationMs ? ` · ${clock(it.durationMs)}` : ''}
          {it.resumeFromMs > 0 ? ` · resumes at ${clock(it.resumeFromMs)}` : ''}
        </div>
        <Progress it={it} />
        {it.error && (
          <div className="row-error" role="alert">
            <strong>{it.error.code}</strong> {it.error.message}
          </div>
        )}
        {it.warnings.map((w) => (
          <div key={w} className="row-warning">
            {w}
          </div>
        ))}
      </div>
      <div className="row-side">
        <span className={`chip ${it.status}`}>{STATUS_TEXT[it.status]}</span>
        <div className="row-actions">
          {it.status === 'running' && <button onClick={() => pause(it.jobId)}>Pause</button>}
          {it.status === 'paused' && <button onClick={() => resume(it.jobId)}>Resume</button>}
          {['queued', 'loading', 'running', 'paused'].includes(it.status) && (
            <button onClick={() => cancel(it.jobId)}>Cancel</button>
          )}
          {(it.status === 'failed' || it.status === 'cancelled') && (
            <button onClick={() => retry(it.jobId)}>Retry</button>
          )}
          {hasDoc && <button onClick={() => openDoc(it.jobId)}>Open</button>}
          {['done', 'failed', 'cancelled', 'queued'].includes(it.status) && it.status !== 'queued' && (
            <button className="ghost" onClick={() => remove(it.jobId)} aria-label={`Remove ${it.file.name}`}>
              Remove
            </button>
          )}
        </div>
      </div>
    </li>
  );
}

function SavedJob({ j }: { j: JobSummary }) {
  const resume = useApp((s) => s.resumeSaved);
  const open = useApp((s) => s.openSaved);
  const discard = useApp((s) => s.discardSaved);
  const inQueue = useApp((s) => s.queue.some((q) => q.jobId === j.jobId));
  return (
    <li className="saved-row" data-testid="saved-job">
      <div>
        <div className="file-name">{j.file.name}</div>
        <div className="file-meta">
          {j.segmentCount} segment{j.segmentCount === 1 ? '' : 's'} saved
          {!j.ended && j.durationMs ? ` · ${clock(j.resumeFromMs)} of ${clock(j.durationMs)}` : ''} ·{' '}
          {new Date(j.updatedAt).toLocaleString()}
          {j.ended ? ` · ${j.ended}` : ' · unfinished'}
        </div>
      </div>
      <div className="row-actions">
        {j.segmentCount > 0 && <button onClick={() => void open(j.jobId)}>Open</button>}
        {!j.ended && !inQueue && (
          <button className="primary" onClick={() => void resume(j.jobId)}>
            Resume
          </button>
        )}
        {!inQueue && (
          <button className="ghost" onClick={() => void discard(j.jobId)}>
            Discard
          </button>
        )}
      </div>
    </li>
  );
}

export function QueueView() {
  const queue = useApp((s) => s.queue);
  const allSaved = useApp((s) => s.savedJobs);
  // Jobs of this session are in the queue already; saved jobs are the others.
  const saved = allSaved.filter((j) => !queue.some((q) => q.jobId === j.jobId));
  return (
    <section className="view">
      <header className="view-header">
        <h1>Files</h1>
        <div className="header-actions">
          <AddFilesButton />
        </div>
      </header>
      {queue.length === 0 ? (
        <div className="empty dropzone">
          <p className="empty-title">Drop audio or video files here</p>
          <p>WAV, MP3, M4A, FLAC, OGG, Opus, MP4, MKV, MOV… Everything stays on this computer.</p>
        </div>
      ) : (
        <ul className="queue" aria-label="Queue">
          {queue.map((it) => (
            <Row key={it.jobId} it={it} />
          ))}
        </ul>
      )}
      {saved.length > 0 && (
        <>
          <h2 className="section-title">Saved jobs</h2>
          <ul className="saved">
            {saved.map((j) => (
              <SavedJob key={j.jobId} j={j} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
