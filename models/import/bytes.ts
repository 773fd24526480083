/**
 * Loading a checkpoint from file bytes instead of paths, for the engine worker: the main process
 * reads the files of an installed model and hands them over by name (relative to the model's
 * folder, e.g. 'config.json', 'onnx/encoder_model_quantized.onnx'); no file access here.
 */
import type { WhisperCheckpoint } from '../checkpoint/types.ts';
import { SlimError } from '../errors.ts';
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
    ...(present.has('tokenizer.json')
      ? ['tokenizer.json']
      : ['vocab.json', 'merges.txt', 'added_tokens.json']),
    `onnx/${picked.encoder}`,
    `onnx/${picked.decoder}`,
  ];
  // External weights (large exports): `<model>.onnx_data` and the like beside the graphs.
  const data = [...onnx].filter(
    (n) => !n.endsWith('.onnx') && (n.startsWith(picked.encoder) || n.startsWith(picked.decoder)),
  );
  return [...wanted.filter((n) => present.has(n)), ...data.map((n) => `onnx/${n}`)];
}

const utf8 = new TextDecoder('utf-8');

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
  const text = (name: string): NamedText | undefined => {
    const b = files.get(name);
    return b ? { label: `${label}/${name}`, text: utf8.decode(b) } : undefined;
  };
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

/** A checkpoint from bytes, by its detected format. */
export function checkpointFromBytes(
  format: WhisperCheckpoint['source']['format'],
  files: ModelFileBytes,
  label: string,
): WhisperCheckpoint {
  if (format === 'transformers-js-onnx') return transformersJsCheckpointFromBytes(files, label);
  throw new SlimError(
    'MODEL_FORMAT',
    `${label}: ${format} models cannot be opened in the app's engine yet (Transformers.js ONNX exports can); ` +
      'the command line (slim-whisper transcribe --model) reads them',
  );
}
