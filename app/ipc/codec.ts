/**
 * JSON with typed arrays, for the browser bridge (HTTP): Uint8Array and Float32Array travel as
 * base64 in a tagged object. Electron's IPC uses structured clone and needs none of this.
 */
const TAG = '$typed';

type Kind = 'u8' | 'f32';

function toBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined')
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(b64: string): Uint8Array {
  if (typeof Buffer !== 'undefined') {
    const b = Buffer.from(b64, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength).slice();
  }
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v instanceof Float32Array)
      return { [TAG]: 'f32', b64: toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
    if (v instanceof Uint8Array) return { [TAG]: 'u8', b64: toBase64(v) };
    return v;
  });
}

export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && TAG in v) {
      const { [TAG]: kind, b64 } = v as { [TAG]: Kind; b64: string };
      const bytes = fromBase64(b64);
      if (kind === 'f32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      if (kind === 'u8') return bytes;
    }
    return v;
  });
}
