/**
 * Compiles the AssemblyScript kernels (assembly/*.as) to build/kernels.wasm with WASM SIMD.
 * Run by `npm run build:wasm` (tsx kernels/wasm/build.ts). The sources use the .as extension to
 * stay out of the Node TypeScript project (they are AssemblyScript, not TypeScript); the
 * compiler asks for `.ts` files, so its reads are mapped onto the `.as` files here.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ASSEMBLY_DIR = join(HERE, 'assembly');
export const WASM_PATH = join(HERE, 'build', 'kernels.wasm');

/** asc flags: SIMD, speed-optimised, no runtime (the kernels allocate nothing). */
const FLAGS = ['--enable', 'simd', '--runtime', 'stub', '-O3', '--noAssert', '--maximumMemory', '65536'];

/** Whether build/kernels.wasm is missing or older than a source. */
export function wasmIsStale(): boolean {
  if (!existsSync(WASM_PATH)) return true;
  const built = statSync(WASM_PATH).mtimeMs;
  return readdirSync(ASSEMBLY_DIR).some((f) => statSync(join(ASSEMBLY_DIR, f)).mtimeMs > built);
}

function asSource(filename: string, baseDir: string): string | null {
  const p = join(baseDir, filename.replace(/\.ts$/, '.as'));
  return p.startsWith(ASSEMBLY_DIR) && existsSync(p) ? readFileSync(p, 'utf8') : null;
}

export async function buildWasm(opts: { textFile?: boolean } = {}): Promise<string> {
  mkdirSync(dirname(WASM_PATH), { recursive: true });
  // Imported here, not at the top: the compiler (with Binaryen) takes seconds to load.
  const { default: asc } = await import('assemblyscript/asc');
  const out: string[] = [];
  const argv = ['index.ts', '--baseDir', ASSEMBLY_DIR, '-o', WASM_PATH, ...FLAGS];
  if (opts.textFile) argv.push('-t', WASM_PATH.replace(/\.wasm$/, '.wat'));
  const { error } = await asc.main(argv, {
    readFile: (f, base) =>
      base === ASSEMBLY_DIR || base.startsWith(ASSEMBLY_DIR) ? asSource(f, base) : null,
    writeFile: (f, contents, base) => writeFileSync(resolve(base, f), contents),
    stdout: { write: (s: string | Uint8Array) => (out.push(String(s)), true) },
    stderr: { write: (s: string | Uint8Array) => (out.push(String(s)), true) },
  });
  if (error) throw new Error(`AssemblyScript build failed: ${error.message}\n${out.join('')}`);
  return WASM_PATH;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-stale') && !wasmIsStale()) {
    console.log(`${WASM_PATH} is up to date`);
    process.exit(0);
  }
  const t0 = performance.now();
  const path = await buildWasm({ textFile: process.argv.includes('--wat') });
  console.log(`built ${path} (${statSync(path).size} bytes) in ${Math.round(performance.now() - t0)} ms`);
}
