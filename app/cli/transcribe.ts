/** `slim-whisper transcribe <files…>`: the engine on files, with exports, progress and a summary. */
import { basename, extname, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { loadCheckpoint } from '../../models/import/load.ts';
import { SlimError } from '../../models/errors.ts';
import { probeAudioFile, streamAudioFile } from '../audio/read.ts';
import { openEngine, type BackendRequest, type Engine } from '../engine/open-engine.ts';
import { exportTranscript } from '../export/write.ts';
import { resolveModel } from '../models/resolve.ts';
import { cliDownloader } from './model-catalog.ts';
import { parseFormats } from '../subtitles/index.ts';
import type { TranscribeEvent, TranscriptionResult } from '../transcribe/types.ts';

export interface TranscribeCliOptions {
  model?: string;
  language: string;
  task: string;
  format: string;
  out: string;
  backend: string;
  beamSize?: string;
  wordTimestamps?: boolean;
  speechSnap?: boolean;
  splitPause?: string;
  batch?: boolean;
  json?: boolean;
  prompt?: string;
}

function choice<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new SlimError('INVALID_ARGUMENT', `${flag} must be one of ${allowed.join(', ')}; got "${value}"`);
  }
  return value as T;
}

/** --split-pause: milliseconds, or off. */
function splitPauseMs(v: string | undefined): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'off') return null;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0)
    throw new SlimError('INVALID_ARGUMENT', `--split-pause must be milliseconds > 0 or off, got "${v}"`);
  return n;
}

function beamSize(v: string | undefined): number | null {
  if (v === undefined) return 5;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 16)
    throw new SlimError('INVALID_ARGUMENT', `--beam-size must be 1 … 16, got "${v}"`);
  return n === 1 ? null : n;
}

const fmtTime = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** Events of a job as a progress bar on a terminal, JSON lines with --json, or nothing. */
function reporter(
  file: string,
  opts: TranscribeCliOptions,
): { onEvent: (e: TranscribeEvent) => void; stop: () => void } {
  if (opts.json) {
    return {
      onEvent: (e) => process.stdout.write(`${JSON.stringify({ file, ...e })}\n`),
      stop: () => {},
    };
  }
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        {
          format: `${basename(file)} [{bar}] {percentage}% | {position} / {duration} | ETA {eta_time}`,
          stream: process.stderr,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  let started = false;
  return {
    onEvent: (e) => {
      if (e.type === 'warning') process.stderr.write(`\nwarning: ${e.message}\n`);
      if (e.type !== 'progress' || !bar) return;
      const payload = {
        position: fmtTime(e.positionMs),
        duration: e.durationMs === null ? '?' : fmtTime(e.durationMs),
        eta_time: e.etaMs === null ? '…' : fmtTime(e.etaMs),
      };
      if (!started) {
        bar.start(100, 0, payload);
        started = true;
      }
      bar.update(Math.round((e.fraction ?? 0) * 100), payload);
    },
    stop: () => {
      if (started) bar?.stop();
    },
  };
}

async function transcribeFile(engine: Engine, file: string, opts: TranscribeCliOptions, signal: AbortSignal) {
  const probe = await probeAudioFile(file, { signal });
  const report = reporter(file, opts);
  const splitPause = splitPauseMs(opts.splitPause);
  const t0 = performance.now();
  let result: TranscriptionResult;
  try {
    result = await engine.transcriber.transcribe(
      streamAudioFile(file, { signal }),
      {
        language: opts.language === 'auto' ? null : opts.language,
        task: choice(opts.task, ['transcribe', 'translate'] as const, '--task'),
        mode: opts.batch ? 'batched' : 'sequential',
        beamSize: beamSize(opts.beamSize),
        wordTimestamps: !!opts.wordTimestamps,
        speechSnap: opts.speechSnap !== false,
        ...(splitPause !== undefined ? { splitPauseMs: splitPause } : {}),
        ...(opts.prompt ? { initialPrompt: opts.prompt } : {}),
        ...(probe.durationMs !== null ? { durationMs: probe.durationMs } : {}),
      },
      { onEvent: report.onEvent, signal },
    );
  } finally {
    report.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const files = await exportTranscript(result, {
    formats: parseFormats(opts.format),
    outDir: resolve(opts.out),
    baseName: basename(file, extname(file)),
  });
  return { result, seconds, files };
}

export async function runTranscribe(inputs: string[], opts: TranscribeCliOptions): Promise<void> {
  const backend = choice(opts.backend, ['auto', 'webgpu', 'wasm'] as const, '--backend') as BackendRequest;
  parseFormats(opts.format); // fail on a bad --format before any work
  splitPauseMs(opts.splitPause);
  const { path } = await resolveModel(opts.model, { download: cliDownloader(!!opts.json) });
  const ckpt = await loadCheckpoint(path);
  const engine = await openEngine(ckpt, { backend });
  const info = engine.info;
  const backendLabel = `${info.decoder === 'webgpu' ? `WebGPU (${info.adapter})` : `WASM (${info.threads} threads)`}`;
  if (!opts.json) {
    process.stderr.write(`model ${path}\nbackend: decoder ${backendLabel}, encoder ${info.encoder}\n`);
    if (info.notice) process.stderr.write(`note: ${info.notice}\n`);
    if (!info.calibrated)
      process.stderr.write(
        'note: no measured Slim conversion for this model: every layer uses the X-cache form (run `slim-whisper model info` to measure)\n',
      );
  }
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    for (const file of inputs) {
      const { result, seconds, files } = await transcribeFile(engine, file, opts, controller.signal);
      const audioSeconds = result.durationMs / 1000;
      const summary = {
        file,
        language: result.language,
        audioSeconds,
        seconds,
        rtf: audioSeconds > 0 ? seconds / audioSeconds : null,
        backend: backendLabel,
        segments: result.segments.length,
        outputs: files.map((f) => f.path),
      };
      if (opts.json) process.stdout.write(`${JSON.stringify({ type: 'summary', ...summary })}\n`);
      else {
        process.stdout.write(`${result.text.trim()}\n`);
        process.stderr.write(
          `${basename(file)}: ${audioSeconds.toFixed(1)} s of audio in ${seconds.toFixed(1)} s (real-time factor ${summary.rtf?.toFixed(3) ?? '—'}), ${result.language}, ${backendLabel}\n` +
            files.map((f) => `  wrote ${f.path}\n`).join(''),
        );
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    await engine.dispose();
  }
}
