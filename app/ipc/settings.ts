/**
 * The user's settings: one versioned record with defaults, validated field by field. A stored
 * file is read leniently (a bad or unknown field falls back to its default, so a hand-edited
 * settings.json never stops the app from starting); a patch from the renderer is read strictly.
 */
import { LANGUAGES } from '../../models/tokenizer/languages.ts';
import { SlimError } from '../../models/errors.ts';
import { nullable, num, object, oneOf, partial, str, type Validator } from './validate.ts';

export const TASKS = ['transcribe', 'translate'] as const;
export type Task = (typeof TASKS)[number];
export const BACKEND_SETTINGS = ['auto', 'webgpu', 'wasm'] as const;
export type BackendSetting = (typeof BACKEND_SETTINGS)[number];

/**
 * How a transcript is cut into subtitle cues: the fields of app/subtitles' ShapingOptions that
 * a user sets (its pause and gap-closing rules keep their defaults).
 */
export interface SubtitleRules {
  maxCharsPerLine: number;
  maxLines: number;
  /** Reading speed limit (guidelines stop at 20). */
  maxCharsPerSecond: number;
  minDurationMs: number;
  maxDurationMs: number;
  minGapMs: number;
}

export interface Settings {
  /** A model id from models:list. */
  model: string;
  /** 'auto' (detect) or a Whisper language code. */
  language: string;
  task: Task;
  backend: BackendSetting;
  /** WASM threads; 0 = every core. */
  threads: number;
  subtitles: SubtitleRules;
  microphone: { deviceId: string | null };
  /** Words below this probability are highlighted. */
  lowConfidence: number;
}

export const DEFAULT_MODEL_ID = 'bundled-whisper-base';

export const DEFAULT_SETTINGS: Settings = {
  model: DEFAULT_MODEL_ID,
  language: 'auto',
  task: 'transcribe',
  backend: 'auto',
  threads: 0,
  // Broadcast guidelines, as app/subtitles/rules.ts DEFAULT_RULES.
  subtitles: {
    maxCharsPerLine: 42,
    maxLines: 2,
    maxCharsPerSecond: 17,
    minDurationMs: 830,
    maxDurationMs: 7000,
    minGapMs: 83,
  },
  microphone: { deviceId: null },
  lowConfidence: 0.5,
};

const LANGUAGE_CODES = ['auto', ...LANGUAGES.map(([code]) => code)] as const;

const MODEL_ID = str({
  min: 1,
  max: 128,
  pattern: /^[a-z0-9][a-z0-9._-]*$/,
  patternName: 'a model id (a-z, 0-9, . _ -)',
});

const subtitleFields = {
  maxCharsPerLine: num({ min: 10, max: 200, integer: true }),
  maxLines: num({ min: 1, max: 3, integer: true }),
  maxCharsPerSecond: num({ min: 5, max: 20 }),
  minDurationMs: num({ min: 0, max: 10_000, integer: true }),
  maxDurationMs: num({ min: 1000, max: 30_000, integer: true }),
  minGapMs: num({ min: 0, max: 2000, integer: true }),
};
const microphoneFields = { deviceId: nullable(str({ max: 512 })) };

const fields = {
  model: MODEL_ID,
  language: oneOf(LANGUAGE_CODES),
  task: oneOf(TASKS),
  backend: oneOf(BACKEND_SETTINGS),
  threads: num({ min: 0, max: 256, integer: true }),
  subtitles: object(subtitleFields) as Validator<SubtitleRules>,
  microphone: object(microphoneFields) as Validator<Settings['microphone']>,
  lowConfidence: num({ min: 0, max: 1 }),
};

export type SettingsPatch = Partial<Omit<Settings, 'subtitles' | 'microphone'>> & {
  subtitles?: Partial<SubtitleRules>;
  microphone?: Partial<Settings['microphone']>;
};

/** A patch from the renderer: every field optional, nested groups partial, unknown keys rejected. */
export const settingsPatch: Validator<SettingsPatch> = partial({
  ...fields,
  subtitles: partial(subtitleFields),
  microphone: partial(microphoneFields),
}) as Validator<SettingsPatch>;

/** Full validation of a settings record (used after merging, so cross-field rules hold too). */
export const settingsRecord: Validator<Settings> = (v, where) => {
  const s = object(fields)(v, where) as Settings;
  if (s.subtitles.minDurationMs > s.subtitles.maxDurationMs)
    throw new SlimError(
      'INVALID_ARGUMENT',
      `${where}.subtitles: minDurationMs (${s.subtitles.minDurationMs}) is above maxDurationMs (${s.subtitles.maxDurationMs})`,
    );
  return s;
};

export function applySettingsPatch(current: Settings, patch: SettingsPatch): Settings {
  const merged = {
    ...current,
    ...patch,
    subtitles: { ...current.subtitles, ...patch.subtitles },
    microphone: { ...current.microphone, ...patch.microphone },
  };
  return settingsRecord(merged, 'settings');
}

/** A stored record read leniently: each field that fails validation takes its default. */
export function settingsFromStored(stored: unknown): Settings {
  const src =
    stored && typeof stored === 'object' && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  const group = <T extends object>(
    value: unknown,
    defaults: T,
    checks: Record<string, Validator<unknown>>,
  ): T => {
    const raw = value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
    const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
    for (const [k, check] of Object.entries(checks)) {
      try {
        if (k in raw) out[k] = check(raw[k], k);
      } catch {
        // keep the default for this field
      }
    }
    return out as T;
  };
  const top = group(src, DEFAULT_SETTINGS, {
    ...fields,
    subtitles: () => undefined,
    microphone: () => undefined,
  });
  const candidate = {
    ...top,
    subtitles: group(src.subtitles, DEFAULT_SETTINGS.subtitles, subtitleFields),
    microphone: group(src.microphone, DEFAULT_SETTINGS.microphone, microphoneFields),
  };
  try {
    return settingsRecord(candidate, 'settings');
  } catch {
    // fields valid one by one but not together (min above max): the subtitle defaults
    return settingsRecord({ ...candidate, subtitles: DEFAULT_SETTINGS.subtitles }, 'settings');
  }
}
