/** Export: pick a format, tune the subtitle rules, see a preview, save through the dialog. */
import { useMemo } from 'react';
import { EXPORT_FORMATS } from '../../app/ipc/contract.ts';
import type { SubtitleRules } from '../../app/ipc/settings.ts';
import { exportText } from '../export/transcript.ts';
import { useApp } from '../store/react.tsx';

const RULE_FIELDS: { key: keyof SubtitleRules; label: string; step: number; min: number; max: number }[] = [
  { key: 'maxCharsPerLine', label: 'Characters per line', step: 1, min: 10, max: 200 },
  { key: 'maxLines', label: 'Lines per cue', step: 1, min: 1, max: 3 },
  { key: 'maxCharsPerSecond', label: 'Reading speed (chars/s)', step: 1, min: 5, max: 20 },
  { key: 'minDurationMs', label: 'Shortest cue (ms)', step: 10, min: 0, max: 10000 },
  { key: 'maxDurationMs', label: 'Longest cue (ms)', step: 100, min: 1000, max: 30000 },
  { key: 'minGapMs', label: 'Gap between cues (ms)', step: 1, min: 0, max: 2000 },
];

const PREVIEW_CHARS = 6000;

function usePreview(): { text: string; error: string | null } {
  const doc = useApp((s) => (s.activeDoc ? s.docs[s.activeDoc] : undefined));
  const format = useApp((s) => s.exportFormat);
  const rules = useApp((s) => s.settings?.subtitles);
  return useMemo(() => {
    if (!doc || !rules) return { text: '', error: null };
    try {
      return { text: exportText(doc.segments, format, rules, doc.language, doc.durationMs), error: null };
    } catch (e) {
      return { text: '', error: (e as Error).message };
    }
  }, [doc, format, rules]);
}

export function ExportView() {
  const doc = useApp((s) => (s.activeDoc ? s.docs[s.activeDoc] : undefined));
  const format = useApp((s) => s.exportFormat);
  const setFormat = useApp((s) => s.setExportFormat);
  const rules = useApp((s) => s.settings?.subtitles);
  const update = useApp((s) => s.updateSettings);
  const exportActive = useApp((s) => s.exportActive);
  const lastExport = useApp((s) => s.lastExport);
  const preview = usePreview();
  const timed = format === 'srt' || format === 'vtt' || format === 'lrc';

  if (!doc)
    return (
      <section className="view">
        <header className="view-header">
          <h1>Export</h1>
        </header>
        <div className="empty">
          <p className="empty-title">Nothing to export yet</p>
          <p>Open a transcript first.</p>
        </div>
      </section>
    );
  return (
    <section className="view export-view">
      <header className="view-header">
        <h1>Export</h1>
        <div className="header-actions">
          <span className="muted">{doc.fileName}</span>
          <button
            className="primary"
            onClick={() => void exportActive()}
            disabled={doc.segments.length === 0}
          >
            Export {format.toUpperCase()}…
          </button>
        </div>
      </header>
      <div className="segmented" role="radiogroup" aria-label="Format">
        {EXPORT_FORMATS.map((f) => (
          <button
            key={f}
            role="radio"
            aria-checked={f === format}
            className={f === format ? 'on' : ''}
            onClick={() => setFormat(f)}
          >
            {f.toUpperCase()}
          </button>
        ))}
      </div>
      <div className="export-grid">
        <fieldset className="card rules" disabled={!timed || !rules}>
          <legend>Subtitle rules</legend>
          {!timed && <p className="muted">Rules shape the cues of SRT, VTT and LRC.</p>}
          {rules &&
            RULE_FIELDS.map((f) => (
              <label key={f.key} className="field">
                <span>{f.label}</span>
                <input
                  type="number"
                  min={f.min}
                  max={f.max}
                  step={f.step}
                  value={rules[f.key]}
                  onChange={(e) => {
                    const v = Number(e.target.value);
                    if (Number.isFinite(v) && v >= f.min && v <= f.max)
                      void update({ subtitles: { [f.key]: v } });
                  }}
                />
              </label>
            ))}
        </fieldset>
        <div className="card preview-card">
          <div className="card-title">Preview</div>
          {preview.error ? (
            <div className="row-error">{preview.error}</div>
          ) : (
            <pre className="preview" data-testid="export-preview">
              {preview.text.length > PREVIEW_CHARS
                ? `${preview.text.slice(0, PREVIEW_CHARS)}\n…`
                : preview.text}
            </pre>
          )}
        </div>
      </div>
      {lastExport && <p className="muted">Last saved: {lastExport}</p>}
    </section>
  );
}
