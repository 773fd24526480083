/** What the bench pages expose on globalThis.bench (Node drives them through playwright-core). */
export interface PageTranscript {
  seconds: number;
  text: string;
  pieces: Array<{ startS: number; endS: number; text: string }>;
}

export interface PageConfig {
  threads: number;
  maxNewTokens: number;
  /** Number of clips served at /audio/<i>.f32 (and the long file at /audio/long.f32). */
  clips: number;
}

export interface PageLoad {
  loadSeconds: number;
  threads: number;
  crossOriginIsolated: boolean;
  notes: string[];
}

export interface BenchPage {
  load(c: PageConfig): Promise<PageLoad>;
  /** Transcribes clip `i`, or the long file (-1), timed in the page. */
  transcribe(i: number): Promise<PageTranscript>;
  cacheBytes(): number;
}

/** Fetches the audio the server holds: 16 kHz mono float32, little-endian. */
export async function fetchAudio(n: number): Promise<{ clips: Float32Array[]; long: Float32Array }> {
  const get = async (name: string): Promise<Float32Array> =>
    new Float32Array(await (await fetch(`/audio/${name}.f32`)).arrayBuffer());
  const clips: Float32Array[] = [];
  for (let i = 0; i < n; i++) clips.push(await get(String(i)));
  return { clips, long: await get('long') };
}
