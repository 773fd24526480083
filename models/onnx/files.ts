/** Node file access for ONNX models: reading model files and their external data files. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { SlimError } from '../errors.ts';
import { decodeModel, type ExternalReader, type ModelProto } from './proto.ts';

export function readModelFile(path: string): ModelProto {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SlimError('MODEL_NOT_FOUND', `${path}: cannot read (${(e as Error).message})`, { cause: e });
  }
  return decodeModel(bytes, path);
}

/**
 * Opens external data files (`*.onnx_data`) next to a model, once each. Locations must stay
 * inside the model's folder, as the ONNX checker requires.
 */
export class ExternalData implements ExternalReader {
  private fds = new Map<string, number>();
  constructor(readonly baseDir: string) {}

  read(location: string, offset: number, length: number, where: string): Uint8Array {
    if (isAbsolute(location) || normalize(location).startsWith('..')) {
      throw new SlimError(
        'MODEL_CORRUPT',
        `${where}: external data location "${location}" leaves the model folder`,
      );
    }
    const path = join(this.baseDir, location);
    let fd = this.fds.get(path);
    if (fd === undefined) {
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        throw new SlimError('MODEL_NOT_FOUND', `${where}: external data file ${path} cannot be opened`, {
          cause: e,
        });
      }
      this.fds.set(path, fd);
    }
    const size = fstatSync(fd).size;
    if (length < 0) length = size - offset;
    if (offset + length > size) {
      throw new SlimError(
        'MODEL_CORRUPT',
        `${where}: external data ${path} is ${size} bytes, the tensor needs bytes ${offset}..${offset + length}`,
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n <= 0) break;
      done += n;
    }
    return out;
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}
