/** Test-only helpers for the audio tests: temp folders and ffmpeg fixtures, plus helpers-web. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { locateFfmpeg } from '../../../app/audio/ffmpeg.ts';

export * from './helpers-web.ts';

/** A temp folder removed after the test file. */
export function tempDir(prefix = 'slim-audio-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function ffmpegBinary(): string {
  const loc = locateFfmpeg();
  if (!loc) throw new Error('no ffmpeg: npm ci installs @ffmpeg-installer/ffmpeg');
  return loc.path;
}

/** Runs ffmpeg to make a fixture; throws with its stderr on failure. */
export function ffmpegMake(args: string[]): void {
  const r = spawnSync(ffmpegBinary(), ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}
