/**
 * whisper.cpp ggml model files on disk; the parser is ggml-core.ts (node-free, also used on the
 * engine worker's bytes).
 */
import type { WhisperCheckpoint } from '../checkpoint/types.ts';
import { openFileSource } from './file-source.ts';
import { readGgml, type GgmlModel } from './ggml-core.ts';

export { GGML_MAGIC, readGgml, type GgmlMelFilters, type GgmlModel } from './ggml-core.ts';

/** Loads a whisper.cpp ggml model file (f32 or f16) into the canonical checkpoint. */
export async function loadGgmlCheckpoint(path: string): Promise<WhisperCheckpoint> {
  return (await readGgmlFile(path)).checkpoint;
}

/** Reads a ggml model file: the checkpoint and the stored mel filterbank. */
export async function readGgmlFile(path: string): Promise<GgmlModel> {
  return readGgml(await openFileSource(path, 'a whisper.cpp ggml .bin file'));
}
