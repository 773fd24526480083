/** Settings (persisted by the main process) and the model manager. */
import { useEffect, useState } from 'react';
import { LANGUAGES } from '../../models/tokenizer/languages.ts';
import { BACKEND_SETTINGS, type SettingsPatch } from '../../app/ipc/settings.ts';
import { bytesText } from '../logic/time.ts';
import { useApp } from '../store/react.tsx';
import { ModelDownloads } from './ModelDownloads.tsx';

const BACKEND_TEXT = {
  auto: 'Automatic (GPU when there is a real one)',
  webgpu: 'WebGPU',
  wasm: 'WASM (CPU)',
};
const FORMAT_TEXT = {
  'hf-safetensors': 'Hugging Face',
  'transformers-js-onnx': 'Transformers.js ONNX',
  ggml: 'whisper.cpp ggml',
};

function useMicrophones(): MediaDeviceInfo[] {
  const [mics, setMics] = useState<MediaDeviceInfo[]>([]);
  useEffect(() => {
    navigator.mediaDevices
      ?.enumerateDevices()
      .then((d) => setMics(d.filter((x) => x.kind === 'audioinput')))
      .catch(() => setMics([]));
  }, []);
  return mics;
}

function Models() {
  const models = useApp((s) => s.models);
  const current = useApp((s) => s.settings?.model);
  const nativeDialogs = useApp((s) => s.appInfo?.nativeDialogs ?? false);
  const importModel = useApp((s) => s.importModel);
  const deleteModel = useApp((s) => s.deleteModel);
  const update = useApp((s) => s.updateSettings);
  return (
    <div className="card">
      <div className="card-title">Models</div>
      <table className="models">
        <thead>
          <tr>
            <th>Model</th>
            <th>Format</th>
            <th>Size</th>
            <th>Source</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.id} className={m.id === current ? 'chosen' : ''} data-testid="model-row">
              <td>
                <label className="radio">
                  <input
                    type="radio"
                    name="model"
                    checked={m.id === current}
                    onChange={() => void update({ model: m.id })}
                  />
                  {m.name}
                </label>
              </td>
              <td>{FORMAT_TEXT[m.format]}</td>
              <td>{bytesText(m.bytes)}</td>
              <td>{m.source}</td>
              <td>
                {m.removable && (
                  <button className="ghost" onClick={() => void deleteModel(m.id)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="row-actions">
        <button disabled={!nativeDialogs} onClick={() => void importModel('folder')}>
          Import folder…
        </button>
        <button disabled={!nativeDialogs} onClick={() => void importModel('file')}>
          Import ggml file…
        </button>
        {!nativeDialogs && <span className="muted">Importing models needs the desktop app.</span>}
      </div>
      <ModelDownloads />
    </div>
  );
}

export function SettingsView() {
  const s = useApp((st) => st.settings);
  const update = useApp((st) => st.updateSettings);
  const mics = useMicrophones();
  if (!s) return <section className="view">Loading settings…</section>;
  const set = (patch: SettingsPatch) => void update(patch);
  return (
    <section className="view settings-view">
      <header className="view-header">
        <h1>Settings</h1>
      </header>
      <div className="settings-grid">
        <div className="card">
          <div className="card-title">Transcription</div>
          <label className="field">
            <span>Language</span>
            <select
              value={s.language}
              onChange={(e) => set({ language: e.target.value })}
              aria-label="Language"
            >
              <option value="auto">Detect automatically</option>
              {LANGUAGES.map(([code, name]) => (
                <option key={code} value={code}>
                  {name[0]!.toUpperCase() + name.slice(1)}
                </option>
              ))}
            </select>
          </label>
          <div className="field">
            <span>Task</span>
            <div className="segmented small" role="radiogroup" aria-label="Task">
              {(['transcribe', 'translate'] as const).map((t) => (
                <button
                  key={t}
                  role="radio"
                  aria-checked={s.task === t}
                  className={s.task === t ? 'on' : ''}
                  onClick={() => set({ task: t })}
                >
                  {t === 'transcribe' ? 'Transcribe' : 'Translate to English'}
                </button>
              ))}
            </div>
          </div>
          <label className="field">
            <span>Low-confidence words below</span>
            <input
              type="range"
              min={0}
              max={1}
              step={0.05}
              value={s.lowConfidence}
              onChange={(e) => set({ lowConfidence: Number(e.target.value) })}
            />
            <span className="value">{Math.round(s.lowConfidence * 100)}%</span>
          </label>
        </div>
        <div className="card">
          <div className="card-title">Engine</div>
          <label className="field">
            <span>Backend</span>
            <select
              value={s.backend}
              onChange={(e) => set({ backend: e.target.value as (typeof BACKEND_SETTINGS)[number] })}
              aria-label="Backend"
            >
              {BACKEND_SETTINGS.map((b) => (
                <option key={b} value={b}>
                  {BACKEND_TEXT[b]}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>WASM threads</span>
            <select
              value={s.threads}
              onChange={(e) => set({ threads: Number(e.target.value) })}
              aria-label="Threads"
            >
              <option value={0}>All cores</option>
              {[1, 2, 4, 8, 16].map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Microphone</span>
            <select
              value={s.microphone.deviceId ?? ''}
              onChange={(e) => set({ microphone: { deviceId: e.target.value || null } })}
              aria-label="Microphone"
            >
              <option value="">System default</option>
              {mics
                .filter((m) => m.deviceId && m.deviceId !== 'default')
                .map((m, i) => (
                  <option key={m.deviceId} value={m.deviceId}>
                    {m.label || `Microphone ${i + 1}`}
                  </option>
                ))}
            </select>
          </label>
        </div>
        <Models />
      </div>
    </section>
  );
}
