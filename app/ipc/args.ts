/**
 * The argument validators of every channel: the main process runs these on whatever arrives
 * before a handler sees it. Paths must be absolute and NUL-free; whether a path may be touched
 * at all is the handler's question (grants), not a shape question.
 */
import { SlimError } from '../../models/errors.ts';
import type { ArgsOf, Channel, JobStart } from './contract.ts';
import { SAVE_FORMATS } from './contract.ts';
import { settingsPatch } from './settings.ts';
import { transcriptSegment } from './transcript.ts';
import {
  arrayOf,
  bool,
  bytes,
  num,
  nullable,
  object,
  oneOf,
  str,
  tuple,
  type Validator,
} from './validate.ts';

/** Absolute on POSIX (/…) or Windows (C:\…, \\server\…); no NUL bytes; bounded length. */
export const absolutePath: Validator<string> = (v, where) => {
  const p = str({ min: 1, max: 4096 })(v, where);
  if (p.includes('\0')) throw new SlimError('INVALID_ARGUMENT', `${where}: the path contains a NUL byte`);
  if (!/^(\/|[A-Za-z]:[\\/]|\\\\)/.test(p))
    throw new SlimError(
      'INVALID_ARGUMENT',
      `${where}: expected an absolute path, got ${JSON.stringify(p.slice(0, 80))}`,
    );
  return p;
};

export const JOB_ID = str({
  min: 8,
  max: 64,
  pattern: /^[A-Za-z0-9_-]+$/,
  patternName: 'a job id (A-Z, a-z, 0-9, _ -)',
});
const MODEL_ID = str({ min: 1, max: 128, pattern: /^[a-z0-9][a-z0-9._-]*$/, patternName: 'a model id' });
/** A file inside a model folder: relative, '/'-separated, no '..' part. */
/** A catalog model's name (tiny, small.en, large-v3 …); the service checks it is in the catalog. */
const CATALOG_NAME = str({
  min: 1,
  max: 64,
  pattern: /^[a-z0-9][a-z0-9.-]*$/,
  patternName: 'a catalog model name',
});
const MODEL_FILE = str({
  min: 1,
  max: 512,
  pattern: /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/,
  patternName: 'a file inside the model folder',
});
const FILE_NAME = str({
  min: 1,
  max: 255,
  pattern: /^[^/\\\0:*?"<>|]+$/,
  patternName: 'a file name without path separators',
});

const fileRef = object({
  path: absolutePath,
  name: str({ min: 1, max: 1024 }),
  size: num({ min: 0, integer: true }),
});

const jobStart: Validator<JobStart> = object({
  jobId: JOB_ID,
  file: fileRef,
  durationMs: nullable(num({ min: 0 })),
  settings: object({
    model: MODEL_ID,
    language: str({ min: 2, max: 8 }),
    task: oneOf(['transcribe', 'translate'] as const),
  }),
});

/** 64 MiB of text is far beyond any real subtitle file; the cap stops a runaway renderer. */
const EXPORT_TEXT = str({ max: 64 * 1024 * 1024 });
/** 1 GiB of WAV is over nine hours of a 16 kHz live session; the cap stops a runaway renderer. */
const EXPORT_BYTES = bytes({ max: 1024 * 1024 * 1024 });

/** An overlay shows a few lines: the renderer sends the last words, never a whole session. */
const CAPTION_TEXT = str({ max: 4000 });

type ArgChecks = { [C in Channel]: (args: unknown[]) => ArgsOf<C> };

export const ARG_CHECKS: ArgChecks = {
  'app:info': tuple<[]>([], 'app:info'),
  'dialog:openFiles': tuple<[]>([], 'dialog:openFiles'),
  'files:grantDropped': tuple([arrayOf(absolutePath, { min: 1, max: 1000 })], 'files:grantDropped'),
  'files:read': tuple([absolutePath], 'files:read'),
  'audio:load': tuple([absolutePath], 'audio:load'),
  'dialog:saveExport': tuple(
    [object({ defaultName: FILE_NAME, format: oneOf(SAVE_FORMATS) })],
    'dialog:saveExport',
  ),
  'export:write': tuple([absolutePath, EXPORT_TEXT], 'export:write'),
  'export:writeBinary': tuple([absolutePath, EXPORT_BYTES], 'export:writeBinary'),
  'settings:get': tuple<[]>([], 'settings:get'),
  'settings:set': tuple([settingsPatch], 'settings:set'),
  'models:list': tuple<[]>([], 'models:list'),
  'models:import': tuple([oneOf(['folder', 'file'] as const)], 'models:import'),
  'models:delete': tuple([MODEL_ID], 'models:delete'),
  'models:files': tuple([MODEL_ID], 'models:files'),
  'models:read': tuple([MODEL_ID, MODEL_FILE], 'models:read'),
  'downloads:list': tuple<[]>([], 'downloads:list'),
  'downloads:start': tuple([CATALOG_NAME], 'downloads:start'),
  'downloads:pause': tuple([CATALOG_NAME], 'downloads:pause'),
  'downloads:cancel': tuple([CATALOG_NAME], 'downloads:cancel'),
  'overlay:show': tuple([bool], 'overlay:show'),
  'overlay:captions': tuple(
    [object({ confirmed: CAPTION_TEXT, tentative: CAPTION_TEXT })],
    'overlay:captions',
  ),
  'jobs:begin': tuple([jobStart], 'jobs:begin'),
  'jobs:append': tuple([JOB_ID, arrayOf(transcriptSegment, { min: 1, max: 10_000 })], 'jobs:append'),
  'jobs:saveEdits': tuple([JOB_ID, arrayOf(transcriptSegment, { max: 100_000 })], 'jobs:saveEdits'),
  'jobs:finish': tuple([JOB_ID, oneOf(['done', 'cancelled', 'failed'] as const)], 'jobs:finish'),
  'jobs:list': tuple<[]>([], 'jobs:list'),
  'jobs:load': tuple([JOB_ID], 'jobs:load'),
  'jobs:discard': tuple([JOB_ID], 'jobs:discard'),
};

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(ARG_CHECKS, name);
}
