/** Settings persisted as JSON in the user data folder, read leniently, written atomically. */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  applySettingsPatch,
  settingsFromStored,
  type Settings,
  type SettingsPatch,
} from '../../app/ipc/settings.ts';
import { writeFileAtomic } from './atomic.ts';

export class SettingsStore {
  private cached: Settings | null = null;
  readonly path: string;

  constructor(userData: string) {
    this.path = join(userData, 'settings.json');
  }

  async get(): Promise<Settings> {
    if (this.cached) return this.cached;
    let stored: unknown = {};
    try {
      stored = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      // missing or unreadable: defaults (a broken file is replaced on the next save)
    }
    this.cached = settingsFromStored(stored);
    return this.cached;
  }

  /** Patches apply one after another: two quick changes must not both start from the old record. */
  private queue: Promise<unknown> = Promise.resolve();

  set(patch: SettingsPatch): Promise<Settings> {
    const run = this.queue.then(() => this.apply(patch));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async apply(patch: SettingsPatch): Promise<Settings> {
    const next = applySettingsPatch(await this.get(), patch);
    await mkdir(dirname(this.path), { recursive: true });
    await writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n');
    this.cached = next;
    return next;
  }
}
