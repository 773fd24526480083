/** `slim-whisper model info`: what a model is, and what the Slim conversion makes of it. */
import type { ModelDimensions, WhisperCheckpoint } from '../../models/checkpoint/types.ts';
import { parameterCount } from '../../models/checkpoint/validate.ts';
import { cacheBytesPerWindow, type CacheBytes } from './cache-bytes.ts';
import type { ConversionRecord, LayerRecord } from './conversion.ts';

export interface ModelInfo {
  source: string;
  path: string;
  dtype: string;
  dims: ModelDimensions;
  parameters: number;
  multilingual: boolean;
  vocabulary: { tokens: number; specials: number } | null;
  alignmentHeads: Array<[number, number]> | null;
  fingerprint: string;
  calibration: ConversionRecord['calibration'];
  selfAttention: LayerRecord[];
  /** Per sequence, one 30 s window at t = nTextCtx, fp32. */
  cacheBytes: CacheBytes & { ratio: number; ctx: number };
}

export function modelInfo(ckpt: WhisperCheckpoint, record: ConversionRecord): ModelInfo {
  const bytes = cacheBytesPerWindow(ckpt.dims);
  return {
    source: ckpt.source.format,
    path: ckpt.source.path,
    dtype: ckpt.source.dtype,
    dims: ckpt.dims,
    parameters: parameterCount(ckpt),
    multilingual: ckpt.multilingual,
    vocabulary: ckpt.vocab ? { tokens: ckpt.vocab.tokens.length, specials: ckpt.vocab.specials.size } : null,
    alignmentHeads: ckpt.alignmentHeads ?? null,
    fingerprint: record.fingerprint,
    calibration: record.calibration,
    selfAttention: record.selfAttention,
    cacheBytes: { ...bytes, ratio: bytes.baseline / bytes.slim, ctx: ckpt.dims.nTextCtx },
  };
}

const fmtErr = (x: number | null): string => (x === null ? '—' : x.toExponential(1));
const fmtMB = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MiB`;

/** A terminal rendering of the same facts. */
export function formatModelInfo(info: ModelInfo): string {
  const d = info.dims;
  const lines = [
    `source      ${info.source} (${info.dtype})  ${info.path}`,
    `dims        mels ${d.nMels}  audio ${d.nAudioLayer}×${d.nAudioState} (${d.nAudioHead} heads, ctx ${d.nAudioCtx})  ` +
      `text ${d.nTextLayer}×${d.nTextState} (${d.nTextHead} heads, ctx ${d.nTextCtx})  vocab ${d.nVocab}`,
    `parameters  ${(info.parameters / 1e6).toFixed(1)} M   ${info.multilingual ? 'multilingual' : 'English-only'}`,
    `calibration ${
      info.calibration
        ? `${info.calibration.clips.length} clip(s), ${info.calibration.encoder}, threshold ${info.calibration.threshold}`
        : 'none (no real audio given: every layer uses the inverse-free X-cache form)'
    }`,
    '',
    'layer  form fp32  form fp16  cond(W_K)  rank  err fp32  err fp16',
    ...info.selfAttention.map(
      (l) =>
        `${String(l.layer).padStart(5)}  ${l.form.padEnd(9)}  ${l.formFp16.padEnd(9)}  ${(l.cond === null ? '∞' : l.cond.toExponential(1)).padStart(9)}  ${String(l.rank).padStart(4)}  ${fmtErr(l.relErrFp32).padStart(8)}  ${fmtErr(l.relErrFp16).padStart(8)}`,
    ),
    '',
    `decoder cache per 30 s window at t=${info.cacheBytes.ctx} (fp32): baseline ${fmtMB(info.cacheBytes.baseline)}, ` +
      `Slim Option 2 ${fmtMB(info.cacheBytes.slim)}  (${info.cacheBytes.ratio.toFixed(2)}× smaller)`,
  ];
  return lines.join('\n');
}
