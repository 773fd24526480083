/**
 * The allowlist of paths the renderer may touch. A path enters only through the main process:
 * an open dialog, a file dropped on the window (its path resolved by Electron from a real File),
 * a file opened with the app, or a save dialog (write grants, used once). Paths are compared
 * after resolving, so "a/../b" cannot sneak past.
 */
import { resolve } from 'node:path';
import { SlimError } from '../../models/errors.ts';

export class PathGrants {
  private readonly readable = new Set<string>();
  private readonly writable = new Set<string>();

  grantRead(path: string): string {
    const p = resolve(path);
    this.readable.add(p);
    return p;
  }

  grantWrite(path: string): string {
    const p = resolve(path);
    this.writable.add(p);
    return p;
  }

  canRead(path: string): boolean {
    return this.readable.has(resolve(path));
  }

  /** Throws unless the user granted this path for reading. */
  checkRead(path: string): string {
    const p = resolve(path);
    if (!this.readable.has(p))
      throw new SlimError(
        'INVALID_ARGUMENT',
        `${path}: this file was not chosen by the user (open it through the dialog or drop it on the window)`,
      );
    return p;
  }

  /** Throws unless a save dialog returned this path; the grant is used up. */
  takeWrite(path: string): string {
    const p = resolve(path);
    if (!this.writable.delete(p))
      throw new SlimError('INVALID_ARGUMENT', `${path}: this path was not chosen in the save dialog`);
    return p;
  }
}
