/**
 * The transcript: segments with times, words coloured by confidence, flagged segments marked,
 * playback synced both ways (click a word to seek; the playing word is highlighted and kept in
 * view), inline editing (double-click a word, or edit a whole segment) that keeps timings, search.
 */
import { Fragment, memo, useEffect, useMemo, useRef, useState } from 'react';
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import { locate, searchSegments } from '../logic/edit.ts';
import { clock } from '../logic/time.ts';
import { useApp } from '../store/react.tsx';

const FLAG_TEXT = {
  hallucination: 'possible hallucination',
  'no-speech': 'no speech?',
  'low-confidence': 'low confidence',
};

function Player({ jobId }: { jobId: string }) {
  const url = useApp((s) => s.docs[jobId]?.mediaUrl ?? null);
  const seekRequest = useApp((s) => s.seekRequest);
  const setPlayback = useApp((s) => s.setPlayback);
  const loadMedia = useApp((s) => s.loadMedia);
  const audio = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    const a = audio.current;
    if (!a || !seekRequest) return;
    a.currentTime = seekRequest.ms / 1000;
    void a.play().catch(() => undefined);
  }, [seekRequest]);

  // timeupdate fires ~4×/s: follow playback per frame instead while playing.
  useEffect(() => {
    const a = audio.current;
    if (!a) return;
    let raf = 0;
    const tick = () => {
      setPlayback(a.currentTime * 1000);
      raf = requestAnimationFrame(tick);
    };
    const onPlay = () => (raf = requestAnimationFrame(tick));
    const onStop = () => {
      cancelAnimationFrame(raf);
      setPlayback(a.currentTime * 1000);
    };
    a.addEventListener('play', onPlay);
    a.addEventListener('pause', onStop);
    a.addEventListener('seeked', onStop);
    return () => {
      cancelAnimationFrame(raf);
      a.removeEventListener('play', onPlay);
      a.removeEventListener('pause', onStop);
      a.removeEventListener('seeked', onStop);
    };
  }, [url, setPlayback]);

  if (!url)
    return (
      <div className="player empty-player">
        <button onClick={() => void loadMedia(jobId)}>Load audio for playback</button>
      </div>
    );
  return <audio ref={audio} className="player" controls src={url} data-testid="player" />;
}

interface SegmentProps {
  seg: TranscriptSegment;
  index: number;
  jobId: string;
  /** -2: not the current segment; -1: current, no word; ≥0: the current word. */
  currentWord: number;
  match: boolean;
  lowConfidence: number;
}

const SegmentRow = memo(function SegmentRow({
  seg,
  index,
  jobId,
  currentWord,
  match,
  lowConfidence,
}: SegmentProps) {
  const seek = useApp((s) => s.seek);
  const editWord = useApp((s) => s.editWord);
  const editSegment = useApp((s) => s.editSegment);
  const [editingWord, setEditingWord] = useState<number | null>(null);
  const [editingText, setEditingText] = useState<string | null>(null);
  const row = useRef<HTMLLIElement>(null);

  useEffect(() => {
    if (currentWord !== -2) row.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [currentWord]);

  const classes = [
    'segment',
    currentWord !== -2 ? 'current' : '',
    match ? 'match' : '',
    seg.flags.length ? 'flagged' : '',
  ].join(' ');
  return (
    <li ref={row} className={classes} data-testid="segment">
      <button className="seg-time" onClick={() => seek(seg.startMs)} title="Play from here">
        {clock(seg.startMs, true)}
        <span className="seg-end">{clock(seg.endMs, true)}</span>
      </button>
      <div className="seg-body">
        {seg.flags.length > 0 && (
          <div className="flags">
            {seg.flags.map((f) => (
              <span key={f} className={`flag ${f}`}>
                {FLAG_TEXT[f]}
              </span>
            ))}
          </div>
        )}
        {editingText !== null ? (
          <textarea
            className="seg-edit"
            autoFocus
            value={editingText}
            onChange={(e) => setEditingText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                editSegment(jobId, index, editingText);
                setEditingText(null);
              } else if (e.key === 'Escape') setEditingText(null);
            }}
            onBlur={() => setEditingText(null)}
          />
        ) : seg.words.length === 0 ? (
          <p className="seg-text" onDoubleClick={() => setEditingText(seg.text.trim())}>
            {seg.text}
          </p>
        ) : (
          <p className="seg-text">
            {seg.words.map((w, i) =>
              editingWord === i ? (
                <input
                  key={i}
                  className="word-edit"
                  autoFocus
                  defaultValue={w.text.trim()}
                  size={Math.max(3, w.text.length)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      editWord(jobId, index, i, e.currentTarget.value);
                      setEditingWord(null);
                    } else if (e.key === 'Escape') setEditingWord(null);
                  }}
                  onBlur={() => setEditingWord(null)}
                />
              ) : (
                // The leading space stays outside the word, so highlights hug the word itself.
                <Fragment key={i}>
                  {/^\s/.test(w.text) ? ' ' : ''}
                  <span
                    className={`word${w.probability < lowConfidence ? ' low' : ''}${i === currentWord ? ' playing' : ''}`}
                    title={`${clock(w.startMs, true)}–${clock(w.endMs, true)} · p=${w.probability.toFixed(2)}`}
                    onClick={() => seek(w.startMs)}
                    onDoubleClick={() => setEditingWord(i)}
                    data-testid="word"
                  >
                    {w.text.trimStart()}
                  </span>
                </Fragment>
              ),
            )}
          </p>
        )}
      </div>
      <button
        className="ghost seg-edit-btn"
        onClick={() => setEditingText(seg.text.trim())}
        aria-label="Edit segment"
      >
        Edit
      </button>
    </li>
  );
});

export function TranscriptView() {
  const docs = useApp((s) => s.docs);
  const activeDoc = useApp((s) => s.activeDoc);
  const openDoc = useApp((s) => s.openDoc);
  const search = useApp((s) => s.search);
  const setSearch = useApp((s) => s.setSearch);
  const playbackMs = useApp((s) => s.playbackMs);
  const lowConfidence = useApp((s) => s.settings?.lowConfidence ?? 0.5);
  const doc = activeDoc ? docs[activeDoc] : undefined;
  const matches = useMemo(() => new Set(doc ? searchSegments(doc.segments, search) : []), [doc, search]);
  const here = doc ? locate(doc.segments, playbackMs) : null;

  if (!doc)
    return (
      <section className="view">
        <header className="view-header">
          <h1>Transcript</h1>
        </header>
        <div className="empty">
          <p className="empty-title">No transcript open</p>
          <p>Add files in Files, or open a saved job.</p>
        </div>
      </section>
    );
  return (
    <section className="view transcript-view">
      <header className="view-header">
        <h1>Transcript</h1>
        <div className="header-actions">
          <select value={doc.jobId} onChange={(e) => openDoc(e.target.value)} aria-label="Transcript">
            {Object.values(docs).map((d) => (
              <option key={d.jobId} value={d.jobId}>
                {d.fileName}
              </option>
            ))}
          </select>
          <input
            className="search"
            type="search"
            placeholder="Search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            aria-label="Search transcript"
          />
          {search.trim() && <span className="match-count">{matches.size} found</span>}
        </div>
      </header>
      <Player jobId={doc.jobId} />
      <p className="hint">
        Click a word to play from it · double-click to correct it · words in amber are low-confidence.
      </p>
      {doc.segments.length === 0 ? (
        <div className="empty">
          <p>No segments yet.</p>
        </div>
      ) : (
        <ol className="segments">
          {doc.segments.map((seg, i) => (
            <SegmentRow
              key={seg.id}
              seg={seg}
              index={i}
              jobId={doc.jobId}
              currentWord={here && here[0] === i ? here[1] : -2}
              match={matches.has(i)}
              lowConfidence={lowConfidence}
            />
          ))}
        </ol>
      )}
    </section>
  );
}
