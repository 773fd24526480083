/**
 * Loading a checkpoint from file bytes instead of paths, for the engine worker: the main process
 * reads the files of an installed model and hands them over by name (relative to the model's
 * folder, e.g. 'config.json', 'onnx/encoder_model_quantized.onnx'; a ggml model is its one .bin
 * file); no file access here. Transformers.js ONNX exports, HF safetensors folders (single file
 * or shards) and whisper.cpp ggml files, through the same cores as the path loaders.
 */
import type { WhisperCheckpoint } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
import { bytesSource } from './byte-source.ts';
import { GGML_MAGIC, readGgml } from './ggml-core.ts';
import { hfCheckpoint } from './hf-core.ts';
import { SafetensorsStore } from './safetensors-core.ts';
import { decodeModel, type ExternalReader } from '../onnx/proto.ts';
import { hfVocabFromTexts, type NamedText } from '../tokenizer/hf-vocab.ts';
import { parseHfWhisperConfig } from './hf-config-json.ts';
import { pickTransformersJsFiles, transformersJsCheckpoint, type StackSource } from './transformers-js.ts';

export type ModelFileBytes = ReadonlyMap<string, Uint8Array>;

/** The files of a Transformers.js export a loader needs, by name (from a listing of the folder). */
export function transformersJsFileNames(names: readonly string[], where: string): string[] {
  const present = new Set(names);
  const onnx = new Set(names.filter((n) => n.startsWith('onnx/')).map((n) => n.slice('onnx/'.length)));
  const picked = pickTransformersJsFiles(onnx, `${where}/onnx`);
  const wanted = [
    'config.json',
    'generation_config.json',
    ...tokenizerNames(present),
    `onnx/${picked.encoder}`,
    `onnx/${picked.decoder}`,
  ];
  // External weights (large exports): `<model>.onnx_data` and the like beside the graphs.
  const data = [...onnx].filter(
    (n) => !n.endsWith('.onnx') && (n.startsWith(picked.encoder) || n.startsWith(picked.decoder)),
  );
  return [...wanted.filter((n) => present.has(n)), ...data.map((n) => `onnx/${n}`)];
}

/** The tokenizer files a loader reads: tokenizer.json, or else the vocab.json + merges.txt set. */
function tokenizerNames(present: ReadonlySet<string>): string[] {
  return present.has('tokenizer.json')
    ? ['tokenizer.json']
    : ['vocab.json', 'merges.txt', 'added_tokens.json'];
}

/**
 * The files of an HF safetensors folder a loader needs: config, tokenizer and the weights
 * (model.safetensors, or the index and every top-level .safetensors file beside it — the shards
 * the index names are among them; the loader checks the index against them).
 */
export function hfFileNames(names: readonly string[]): string[] {
  const present = new Set(names);
  const weights = present.has('model.safetensors')
    ? ['model.safetensors']
    : present.has('model.safetensors.index.json')
      ? [
          'model.safetensors.index.json',
          ...names.filter((n) => !n.includes('/') && n.endsWith('.safetensors')).sort(),
        ]
      : [];
  return ['config.json', 'generation_config.json', ...tokenizerNames(present), ...weights].filter((n) =>
    present.has(n),
  );
}

export type BytesFormat = WhisperCheckpoint['source']['format'];

/** The format of handed-over files, from their names and (for one file) its first bytes. */
export function detectBytesFormat(files: ModelFileBytes, label: string): BytesFormat {
  const names = [...files.keys()];
  if (names.some((n) => n.startsWith('onnx/'))) return 'transformers-js-onnx';
  if (names.some((n) => n.endsWith('.safetensors') || n === 'model.safetensors.index.json'))
    return 'hf-safetensors';
  if (names.length === 1) {
    const b = files.get(names[0]!)!;
    if (b.byteLength >= 4 && new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true) === GGML_MAGIC)
      return 'ggml';
  }
  throw new SlimError(
    'MODEL_FORMAT',
    `${label}: these files hold no Whisper model (expected an onnx/ export, model.safetensors with ` +
      'config.json, or one whisper.cpp ggml file)',
  );
}

const utf8 = new TextDecoder('utf-8');

function textOf(files: ModelFileBytes, label: string) {
  return (name: string): NamedText | undefined => {
    const b = files.get(name);
    return b ? { label: `${label}/${name}`, text: utf8.decode(b) } : undefined;
  };
}

/** The vocabulary from tokenizer.json or vocab.json + merges.txt (+ added tokens), when present. */
function vocabOf(files: ModelFileBytes, label: string) {
  const text = textOf(files, label);
  const tokenizer = {
    tokenizerJson: text('tokenizer.json'),
    vocabJson: text('vocab.json'),
    mergesTxt: text('merges.txt'),
    addedTokensJson: text('added_tokens.json'),
  };
  // As loadHfVocab: tokenizer.json wins; the vocab.json set is read only without it.
  if (tokenizer.tokenizerJson) return hfVocabFromTexts({ tokenizerJson: tokenizer.tokenizerJson }, label);
  if (!tokenizer.vocabJson || !tokenizer.mergesTxt) return undefined;
  return hfVocabFromTexts(
    Object.fromEntries(Object.entries(tokenizer).filter(([, v]) => v !== undefined)),
    label,
  );
}

/** An HF safetensors model from its files' bytes (see hfFileNames); `label` names it in errors. */
export async function hfCheckpointFromBytes(
  files: ModelFileBytes,
  label: string,
): Promise<WhisperCheckpoint> {
  const text = textOf(files, label);
  const config = text('config.json');
  if (!config) throw new SlimError('MODEL_CONFIG', `${label}: no config.json among the model's files`);
  const cfg = parseHfWhisperConfig(config, text('generation_config.json') ?? null);
  const single = files.get('model.safetensors');
  const index = text('model.safetensors.index.json');
  let store: SafetensorsStore;
  if (single) store = await SafetensorsStore.fromSource(bytesSource(`${label}/model.safetensors`, single));
  else if (index)
    store = await SafetensorsStore.fromIndex(index.label, index.text, (shard) => {
      const b = files.get(shard);
      if (!b)
        throw new SlimError(
          'MODEL_NOT_FOUND',
          `${label}/${shard}: the index names it, but it was not handed over`,
        );
      return Promise.resolve(bytesSource(`${label}/${shard}`, b));
    });
  else
    throw new SlimError('MODEL_NOT_FOUND', `${label}: no model.safetensors or model.safetensors.index.json`);
  return hfCheckpoint({ cfg, store, vocab: () => vocabOf(files, label), path: label });
}

/** A whisper.cpp ggml model (f32/f16) from the bytes of its one file. */
export async function ggmlCheckpointFromBytes(
  files: ModelFileBytes,
  label: string,
): Promise<WhisperCheckpoint> {
  if (files.size !== 1)
    throw new SlimError('MODEL_FORMAT', `${label}: a ggml model is one file, got ${files.size}`);
  const [name, bytes] = [...files][0]!;
  return (await readGgml(bytesSource(name === label ? label : `${label}/${name}`, bytes))).checkpoint;
}

/** External data inside the handed-over files; locations may not leave the onnx/ folder. */
function externalReader(files: ModelFileBytes, dir: string): ExternalReader {
  return {
    read(location, offset, length, where) {
      if (location.startsWith('/') || location.split(/[/\\]/).includes('..'))
        throw new SlimError(
          'MODEL_CORRUPT',
          `${where}: external data location "${location}" leaves the model folder`,
        );
      const bytes = files.get(`${dir}/${location}`);
      if (!bytes)
        throw new SlimError('MODEL_NOT_FOUND', `${where}: external data file ${location} is missing`);
      const n = length < 0 ? bytes.byteLength - offset : length;
      if (offset + n > bytes.byteLength)
        throw new SlimError(
          'MODEL_CORRUPT',
          `${where}: external data ${location} is ${bytes.byteLength} bytes, the tensor needs bytes ${offset}..${offset + n}`,
        );
      return bytes.subarray(offset, offset + n);
    },
  };
}

/** A Transformers.js ONNX export from its files' bytes; `label` names the model in errors. */
export function transformersJsCheckpointFromBytes(files: ModelFileBytes, label: string): WhisperCheckpoint {
  const text = textOf(files, label);
  const config = text('config.json');
  if (!config) throw new SlimError('MODEL_CONFIG', `${label}: no config.json among the model's files`);
  const cfg = parseHfWhisperConfig(config, text('generation_config.json') ?? null);
  const onnx = [...files.keys()].filter((n) => n.startsWith('onnx/')).map((n) => n.slice('onnx/'.length));
  const picked = pickTransformersJsFiles(new Set(onnx), `${label}/onnx`);
  const stack = (name: string): StackSource => {
    const path = `${label}/onnx/${name}`;
    return {
      model: decodeModel(files.get(`onnx/${name}`)!, path),
      label: path,
      ext: externalReader(files, 'onnx'),
    };
  };
  const tokenizer = {
    tokenizerJson: text('tokenizer.json'),
    vocabJson: text('vocab.json'),
    mergesTxt: text('merges.txt'),
    addedTokensJson: text('added_tokens.json'),
  };
  const hasTokenizer = !!tokenizer.tokenizerJson || (!!tokenizer.vocabJson && !!tokenizer.mergesTxt);
  const vocab = hasTokenizer
    ? hfVocabFromTexts(
        Object.fromEntries(Object.entries(tokenizer).filter(([, v]) => v !== undefined)),
        label,
      )
    : undefined;
  return transformersJsCheckpoint({
    encoder: stack(picked.encoder),
    decoder: stack(picked.decoder),
    cfg,
    vocab,
    path: label,
  });
}

/** A checkpoint from bytes, by its format (detectBytesFormat recognises it from the files). */
export async function checkpointFromBytes(
  format: BytesFormat,
  files: ModelFileBytes,
  label: string,
): Promise<WhisperCheckpoint> {
  switch (format) {
    case 'transformers-js-onnx':
      return transformersJsCheckpointFromBytes(files, label);
    case 'hf-safetensors':
      return hfCheckpointFromBytes(files, label);
    case 'ggml':
      return ggmlCheckpointFromBytes(files, label);
  }
}
