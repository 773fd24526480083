#!/usr/bin/env node
// Runs every tests/**/*.test.ts with Node's own test runner through tsx.
// Node 20's `--test` takes no globs, so the files are listed here.
// `--only-fast` skips files named *.slow.test.ts; a path prefix narrows the run.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const prefixes = args.filter((a) => !a.startsWith('--'));
const fast = args.includes('--only-fast');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

let files = walk('tests');
if (prefixes.length) files = files.filter((f) => prefixes.some((p) => f.startsWith(p)));
if (fast) files = files.filter((f) => !f.endsWith('.slow.test.ts'));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
