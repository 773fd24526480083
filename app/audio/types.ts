/**
 * Types of the audio input. Everything leaves this folder as mono float32 at 16 kHz, the only
 * rate Whisper's front end (models/features/log-mel.ts) takes.
 */

/** The rate of every sample this folder hands out. */
export const TARGET_RATE = 16000;

/** What the file held before decoding. */
export interface AudioSourceInfo {
  /** Container: 'wav', or ffmpeg's demuxer name ('flac', 'mp3', 'mov,mp4,m4a,3gp,3g2,mj2', …). */
  format: string;
  /** Sample coding: 'pcm_s16le', 'pcm_f32le', 'mp3', 'aac', 'opus', … */
  codec: string;
  /** The source's own rate in Hz. */
  sampleRate: number;
  /** The source's channel count (0 where ffmpeg named a layout this code does not know). */
  channels: number;
}

export interface DecodedAudio {
  /** Mono (channels averaged), 16 kHz, nominally in [-1, 1]. */
  samples: Float32Array;
  sampleRate: typeof TARGET_RATE;
  durationMs: number;
  source: AudioSourceInfo;
  /**
   * Problems that were repaired rather than rejected: NaN/Inf samples replaced by 0, a data
   * chunk cut short (the whole frames are kept), ffmpeg's decoding errors (it skips the bad
   * packets). Empty when the file was clean.
   */
  warnings: string[];
}

/** One window of the stream: samples [startSample, startSample + samples.length) at 16 kHz. */
export interface AudioWindow {
  startSample: number;
  samples: Float32Array;
}

export interface AudioProbe extends AudioSourceInfo {
  /** null where the container does not say (ffmpeg prints 'Duration: N/A'). */
  durationMs: number | null;
}

export interface DecodeOptions {
  /** Aborting stops the decoding (and kills ffmpeg); the promise or iterator rejects with CANCELLED. */
  signal?: AbortSignal;
  /** An ffmpeg executable; wins over SLIM_WHISPER_FFMPEG, the packaged binary and PATH. */
  ffmpegPath?: string;
  /** Called once per repaired problem (see DecodedAudio.warnings) while streaming. */
  onWarning?: (message: string) => void;
}

export interface StreamOptions extends DecodeOptions {
  /** Samples per window (default N_SAMPLES = 30 s); the last window is shorter, never padded. */
  windowSamples?: number;
}
