/**
 * Reading ffmpeg's stderr: the input description it prints before decoding (container, duration,
 * first audio stream), and its failures turned into SlimErrors that say what is wrong with the
 * file. Plain text parsing, no Node APIs; written against ffmpeg 4.x–7.x output.
 */
import { SlimError } from '../../models/errors.ts';

export interface FfmpegAudioStream {
  codec: string;
  sampleRate: number;
  channels: number;
}

export interface FfmpegInput {
  /** Demuxer name(s) as ffmpeg prints them: 'flac', 'mov,mp4,m4a,3gp,3g2,mj2', … */
  format: string;
  durationMs: number | null;
  /** The first audio stream (what `-map 0:a:0` decodes); null where the file has none. */
  audio: FfmpegAudioStream | null;
}

const NAMED_LAYOUTS: Record<string, number> = {
  mono: 1,
  stereo: 2,
  downmix: 2,
  quad: 4,
  hexagonal: 6,
  octagonal: 8,
  hexadecagonal: 16,
};

/** Channel count of an ffmpeg layout name: 'stereo', '5.1(side)', '7.1', '6 channels', … (0: unknown). */
export function layoutChannels(layout: string): number {
  const l = layout.trim();
  const counted = /^(\d+) channels/.exec(l);
  if (counted) return Number(counted[1]);
  const dotted = /^(\d+)\.(\d+)/.exec(l);
  if (dotted) return Number(dotted[1]) + Number(dotted[2]);
  return NAMED_LAYOUTS[l.replace(/\(.*$/, '')] ?? 0;
}

function parseDuration(text: string): number | null {
  const m = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(text);
  if (!m) return null;
  return Math.round((Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000);
}

function parseAudioStream(text: string): FfmpegAudioStream | null {
  const line = /Stream #0:\d+.*?: Audio: (.*)/.exec(text)?.[1];
  if (!line) return null;
  const codec = /^[\w-]+/.exec(line)?.[0] ?? 'unknown';
  const rate = /(\d+) Hz, ([^,]+)/.exec(line);
  return { codec, sampleRate: rate ? Number(rate[1]) : 0, channels: rate ? layoutChannels(rate[2]!) : 0 };
}

/** The input section of a stderr log, or null where ffmpeg never opened the input. */
export function parseInput(stderr: string): FfmpegInput | null {
  const start = stderr.search(/^Input #0, /m);
  if (start < 0) return null;
  const rest = stderr.slice(start);
  const end = rest.search(/^(Stream mapping:|Output #|At least one output)/m);
  const section = end < 0 ? rest : rest.slice(0, end);
  const format = /^Input #0, (.+?), from /.exec(section)?.[1] ?? 'unknown';
  return { format, durationMs: parseDuration(section), audio: parseAudioStream(section) };
}

/** The error for an input that opened but holds no audio stream. */
export function noAudioError(input: FfmpegInput, where: string): SlimError {
  if (input.format === 'tty')
    return new SlimError('AUDIO_FORMAT', `${where}: not an audio or video file (it reads as text)`);
  return new SlimError('AUDIO_FORMAT', `${where}: no audio stream in this ${input.format} file`);
}

/** The last lines of the log that say something (for messages that quote ffmpeg). */
function lastLines(stderr: string, n: number): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !/^(size=|video:|To ignore this)/.test(l));
  return lines.slice(-n).join(' | ');
}

/** ffmpeg exited with `code`: the SlimError that says why, from its stderr. */
export function ffmpegFailure(stderr: string, code: number | null, where: string): SlimError {
  const input = parseInput(stderr);
  if (/No such file or directory/.test(stderr)) return new SlimError('IO', `${where}: file not found`);
  if (/Permission denied/.test(stderr)) return new SlimError('IO', `${where}: permission denied`);
  if (input && !input.audio) return noAudioError(input, where);
  if (/moov atom not found/.test(stderr))
    return new SlimError(
      'AUDIO_CORRUPT',
      `${where}: truncated or corrupt MP4/M4A/MOV file (no 'moov' index)`,
    );
  if (!input && /Invalid data found when processing input|misdetection possible/.test(stderr))
    return new SlimError('AUDIO_FORMAT', `${where}: not an audio or video file that ffmpeg can read`);
  const why = lastLines(stderr, 3) || 'no message';
  if (!input) return new SlimError('AUDIO_FORMAT', `${where}: ffmpeg cannot open it (exit ${code}): ${why}`);
  return new SlimError('AUDIO_CORRUPT', `${where}: ffmpeg failed to decode it (exit ${code}): ${why}`);
}

/** Notes ffmpeg prints for ordinary files. */
const HARMLESS =
  /Estimating duration from bitrate|Guessed Channel Layout|Could not update timestamps for skipped samples/;

/**
 * ffmpeg's complaints during a decoding that still succeeded (it skips bad packets): lines from
 * its components ('[mp3float @ 0x…] invalid new backstep') and 'Error while decoding'.
 */
export function decodeComplaints(stderr: string): string[] {
  return stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^\[[\w:.,-]+ @ 0x[0-9a-f]+\] /.test(l) || /^Error while decoding/.test(l))
    .filter((l) => !HARMLESS.test(l))
    .map((l) => l.replace(/ @ 0x[0-9a-f]+\]/, ']'));
}
