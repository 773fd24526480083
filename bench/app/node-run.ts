/**
 * One system's Node run, in a process of its own so that its memory is its own (the parent
 * samples this process's RSS): warm-up, the clips, then the long file. Reports phases and the
 * transcripts over the IPC channel.
 */
import { buildLongFile, loadClips } from './corpus.ts';
import { openSlim, openTransformersNode, type Transcript } from './systems-node.ts';

export interface NodeRunConfig {
  system: 'slim-whisper' | 'transformers.js';
  clips: string[] | null;
  longSeconds: number;
  gapSeconds: number;
  threads: number;
  maxNewTokens: number;
  /** Our decoder's backend (Transformers.js runs on onnxruntime-node's CPU EP). */
  backend: 'wasm' | 'webgpu';
}

export interface NodeRunResult {
  type: 'result';
  runtime: string;
  backend: string;
  loadSeconds: number;
  clipsSeconds: number;
  clipTexts: string[];
  longSeconds: number;
  long: Transcript;
  cacheBytes: number;
  gpuBytes: number | null;
  notes: string[];
}

export type NodeRunMessage =
  { type: 'phase'; phase: string } | NodeRunResult | { type: 'error'; code: string | null; message: string };

const send = (m: NodeRunMessage): void => void process.send!(m);

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2]!) as NodeRunConfig;
  const clips = await loadClips(c.clips ?? undefined);
  const long = buildLongFile(clips, { longSeconds: c.longSeconds, gapSeconds: c.gapSeconds });
  send({ type: 'phase', phase: 'load' });
  const t0 = performance.now();
  const system = await (c.system === 'slim-whisper' ? openSlim(c) : openTransformersNode(c));
  const loadSeconds = (performance.now() - t0) / 1000;
  send({ type: 'phase', phase: 'warmup' });
  await system.transcribe(clips[0]!.samples, false);
  send({ type: 'phase', phase: 'clips' });
  const t1 = performance.now();
  const clipTexts: string[] = [];
  for (const clip of clips) clipTexts.push((await system.transcribe(clip.samples, false)).text);
  const clipsSeconds = (performance.now() - t1) / 1000;
  send({ type: 'phase', phase: 'long' });
  const t2 = performance.now();
  const longOut = await system.transcribe(long.samples, true);
  const longSeconds = (performance.now() - t2) / 1000;
  send({ type: 'phase', phase: 'done' });
  send({
    type: 'result',
    runtime: system.runtime,
    backend: system.backend,
    loadSeconds,
    clipsSeconds,
    clipTexts,
    longSeconds,
    long: longOut,
    cacheBytes: system.cacheBytes(),
    gpuBytes: system.gpuBytes(),
    notes: system.notes,
  });
  await system.dispose();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    const code = (err as { code?: unknown }).code;
    send({
      type: 'error',
      code: typeof code === 'string' ? code : null,
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    });
    process.exit(1);
  },
);
