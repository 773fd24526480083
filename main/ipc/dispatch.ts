/**
 * One door for every call from a renderer, whichever transport brought it (Electron's ipcMain
 * or the browser bridge): the channel must exist, the arguments must validate, and the reply is
 * an envelope carrying either the value or `{ code, message }`.
 */
import { ARG_CHECKS, isChannel } from '../../app/ipc/args.ts';
import type { Channel, IpcResult, ResultOf } from '../../app/ipc/contract.ts';
import { SlimError, toErrorData } from '../../models/errors.ts';
import type { Handlers } from '../handlers.ts';

export interface DispatchOptions {
  /** Channels this transport refuses (the browser bridge refuses 'files:grantDropped'). */
  refuse?: ReadonlySet<Channel>;
  /** Called with unexpected (non-SlimError) failures, for the log. */
  onInternalError?: (channel: string, err: unknown) => void;
}

export async function dispatch(
  handlers: Handlers,
  channel: unknown,
  args: unknown,
  opts: DispatchOptions = {},
): Promise<IpcResult<ResultOf<Channel>>> {
  try {
    if (!isChannel(channel) || opts.refuse?.has(channel))
      throw new SlimError(
        'INVALID_ARGUMENT',
        `unknown IPC channel ${JSON.stringify(String(channel)).slice(0, 80)}`,
      );
    if (!Array.isArray(args)) throw new SlimError('INVALID_ARGUMENT', `${channel}: arguments must be a list`);
    const checked = ARG_CHECKS[channel](args);
    const handler = handlers[channel] as (...a: unknown[]) => Promise<ResultOf<Channel>>;
    return { ok: true, value: await handler(...(checked as unknown[])) };
  } catch (err) {
    if (!(err instanceof SlimError)) opts.onInternalError?.(String(channel), err);
    return { ok: false, error: toErrorData(err) };
  }
}
