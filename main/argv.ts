/**
 * Files the app is asked to open from its command line (file associations on Windows/Linux,
 * a second instance): the arguments that name existing regular files. Flags, the executable
 * and the app path are skipped.
 */
import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export function filesFromArgv(argv: readonly string[], cwd: string, skip = 1): string[] {
  const out: string[] = [];
  for (const arg of argv.slice(skip)) {
    if (!arg || arg.startsWith('-')) continue;
    const p = isAbsolute(arg) ? arg : resolve(cwd, arg);
    try {
      if (statSync(p).isFile()) out.push(p);
    } catch {
      // not a file: an Electron or Chromium argument
    }
  }
  return out;
}
