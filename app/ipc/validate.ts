/**
 * Small argument validators for everything that crosses the IPC boundary. Each one checks an
 * `unknown` and returns it typed, or throws a SlimError('INVALID_ARGUMENT') naming the field, so
 * a renderer (trusted or not) can never hand the main process a value of the wrong shape.
 */
import { SlimError } from '../../models/errors.ts';

export type Validator<T> = (value: unknown, where: string) => T;

function fail(where: string, expected: string, value: unknown): never {
  throw new SlimError('INVALID_ARGUMENT', `${where}: expected ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

export interface StringRules {
  min?: number;
  max?: number;
  pattern?: RegExp;
  /** Said in the error instead of the pattern's source. */
  patternName?: string;
}

export function str(rules: StringRules = {}): Validator<string> {
  const { min = 0, max = 4096, pattern, patternName } = rules;
  return (v, where) => {
    if (typeof v !== 'string') return fail(where, 'a string', v);
    if (v.length < min) return fail(where, `at least ${min} characters`, v);
    if (v.length > max) return fail(where, `at most ${max} characters`, v);
    if (pattern && !pattern.test(v))
      return fail(where, patternName ?? `a string matching ${pattern.source}`, v);
    return v;
  };
}

export interface NumberRules {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function num(rules: NumberRules = {}): Validator<number> {
  const { min = -Infinity, max = Infinity, integer = false } = rules;
  const what = `${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`;
  return (v, where) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(where, what, v);
    if (integer && !Number.isInteger(v)) return fail(where, what, v);
    if (v < min || v > max) return fail(where, what, v);
    return v;
  };
}

export const bool: Validator<boolean> = (v, where) =>
  typeof v === 'boolean' ? v : fail(where, 'true or false', v);

export function oneOf<const T extends readonly (string | number)[]>(values: T): Validator<T[number]> {
  return (v, where) =>
    (values as readonly unknown[]).includes(v)
      ? (v as T[number])
      : fail(where, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v);
}

export function nullable<T>(inner: Validator<T>): Validator<T | null> {
  return (v, where) => (v === null ? null : inner(v, where));
}

export function optional<T>(inner: Validator<T>): Validator<T | undefined> {
  return (v, where) => (v === undefined ? undefined : inner(v, where));
}

export function arrayOf<T>(inner: Validator<T>, rules: { max?: number; min?: number } = {}): Validator<T[]> {
  const { max = 10_000, min = 0 } = rules;
  return (v, where) => {
    if (!Array.isArray(v)) return fail(where, 'an array', v);
    if (v.length < min || v.length > max) return fail(where, `an array of ${min} to ${max} items`, v);
    return v.map((item, i) => inner(item, `${where}[${i}]`));
  };
}

export function bytes(rules: { max?: number } = {}): Validator<Uint8Array> {
  const { max = 2 ** 31 } = rules;
  return (v, where) => {
    if (!(v instanceof Uint8Array)) return fail(where, 'bytes (Uint8Array)', v);
    if (v.byteLength > max) return fail(where, `at most ${max} bytes`, v);
    return v;
  };
}

type Shape = Record<string, Validator<unknown>>;
type Out<S extends Shape> = {
  [K in keyof S as undefined extends ReturnType<S[K]> ? never : K]: ReturnType<S[K]>;
} & {
  [K in keyof S as undefined extends ReturnType<S[K]> ? K : never]?: ReturnType<S[K]>;
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A plain object with exactly these keys (unknown keys are rejected: typos fail loudly). */
export function object<S extends Shape>(shape: S): Validator<Out<S>> {
  return (v, where) => {
    if (!isPlainObject(v)) return fail(where, 'an object', v);
    for (const key of Object.keys(v))
      if (!Object.hasOwn(shape, key))
        throw new SlimError('INVALID_ARGUMENT', `${where}: unknown field "${key}"`);
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const value = check(v[key], `${where}.${key}`);
      if (value !== undefined) out[key] = value;
    }
    return out as Out<S>;
  };
}

/** Like `object`, but every field may be left out (a patch). */
export function partial<S extends Shape>(shape: S): Validator<{ [K in keyof S]?: ReturnType<S[K]> }> {
  const loose: Shape = {};
  for (const [k, check] of Object.entries(shape)) loose[k] = optional(check);
  return object(loose) as Validator<{ [K in keyof S]?: ReturnType<S[K]> }>;
}

/** Validates an argument list against a tuple of validators (extra arguments are an error). */
export function tuple<T extends unknown[]>(
  checks: { [K in keyof T]: Validator<T[K]> },
  where: string,
): (args: unknown[]) => T {
  return (args) => {
    if (args.length > checks.length)
      throw new SlimError(
        'INVALID_ARGUMENT',
        `${where}: expected ${checks.length} argument(s), got ${args.length}`,
      );
    return checks.map((check, i) => check(args[i], `${where} argument ${i + 1}`)) as T;
  };
}
