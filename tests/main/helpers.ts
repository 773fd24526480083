/** Test helpers for main-process handlers: a temp user data folder and scripted dialogs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  API_CHANNELS,
  type ApiName,
  type IpcResult,
  type ModelImportKind,
  type PreloadApi,
  type SaveFormat,
} from '../../app/ipc/contract.ts';
import { dispatch } from '../../main/ipc/dispatch.ts';
import { createHandlers, type Dialogs, type HandlerContext } from '../../main/handlers.ts';
import { BUNDLED_MODELS } from '../../main/paths.ts';

const made: string[] = [];
// Removed when the test process exits (node:test's after() inside a before() hook would run
// right after that hook, deleting folders still in use).
process.on('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

export function tempDir(prefix = 'slim-main-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/**
 * The OS dialogs stood in for by queues of answers: the one boundary a headless test cannot
 * drive. Each call takes the next answer; an empty queue means the user pressed Cancel.
 */
export class ScriptedDialogs implements Dialogs {
  open: string[][] = [];
  save: (string | null)[] = [];
  model: (string | null)[] = [];
  readonly calls: string[] = [];

  async openAudioFiles(): Promise<string[]> {
    this.calls.push('open');
    return this.open.shift() ?? [];
  }
  async saveFile(defaultName: string, format: SaveFormat): Promise<string | null> {
    this.calls.push(`save ${defaultName} ${format}`);
    return this.save.shift() ?? null;
  }
  async pickModel(kind: ModelImportKind): Promise<string | null> {
    this.calls.push(`model ${kind}`);
    return this.model.shift() ?? null;
  }
}

export function makeContext(
  userData = tempDir(),
  dialogs: Dialogs | null = new ScriptedDialogs(),
): HandlerContext {
  return createHandlers({
    userData,
    dialogs,
    shell: 'web',
    version: '0.0.0-test',
    bundledModels: BUNDLED_MODELS,
  });
}

/**
 * What the preload would expose, over the real handlers (through dispatch, as the bridge calls
 * them): no dropped files, and subscriptions that never fire.
 */
export function handlerPreload(ctx: HandlerContext): PreloadApi {
  const calls = Object.fromEntries(
    (Object.keys(API_CHANNELS) as ApiName[]).map((n) => [
      n,
      (...args: unknown[]) => dispatch(ctx.handlers, API_CHANNELS[n], args),
    ]),
  );
  return {
    ...calls,
    addDroppedFiles: async () => ({ ok: true, value: [] }) as IpcResult<never[]>,
    onFilesOpened: () => () => undefined,
    onMenuCommand: () => () => undefined,
    onDownloadsChanged: () => () => undefined,
    onOverlayChanged: () => () => undefined,
  } as unknown as PreloadApi;
}
