/**
 * The toolchain measurement behind kernels/wasm (our AssemblyScript SIMD kernels vs an ONNX graph
 * on onnxruntime-web's WASM EP, both one thread): one base-sized layer's Option 2
 * cross-attention (q projection, fold of W_K into the query, scores over E, softmax, weighted
 * sum of E, per-head W_V, out projection) at batch 1 and 8 sharing one E, random weights.
 * The ONNX side is favoured: it gets Eᵀ precomputed as a second input. Prints CPU-time medians.
 *
 *   npx tsx kernels/wasm/tools/compare-ort.ts
 */
import * as ort from 'onnxruntime-web';
import { GraphBuilder, f32, i64, scalarF32, serializeModel } from '../../../models/onnx/builder.ts';
import { Rng } from '../../../models/fixtures/random.ts';
import { kernels } from '../../../tests/kernels/wasm/harness.ts';
import type { KernelExports } from '../kernels.ts';
import { packHeads, packPanels } from '../pack.ts';

const d = 512;
const h = 8;
const dk = 64;
const T = 1500;

interface Weights {
  wq: Float32Array;
  bq: Float32Array;
  wk: Float32Array;
  wv: Float32Array;
  wo: Float32Array;
  bo: Float32Array;
  e: Float32Array;
}

function randomWeights(rng: Rng): Weights {
  const m = () => rng.normals(d * d, 0.04);
  return {
    wq: m(),
    bq: rng.normals(d, 0.1),
    wk: m(),
    wv: m(),
    wo: m(),
    bo: rng.normals(d, 0.1),
    e: rng.normals(T * d),
  };
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c]!;
  return t;
}

/** W_K per head transposed [h, d_k, d] and W_V per head [h, d, d_k], for batched MatMuls. */
function headWeights(w: Weights): { wkT: Float32Array; wv3: Float32Array } {
  const wkT = new Float32Array(h * dk * d);
  const wv3 = new Float32Array(h * d * dk);
  for (let hh = 0; hh < h; hh++) {
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < dk; c++) {
        wkT[(hh * dk + c) * d + r] = w.wk[r * d + hh * dk + c]!;
        wv3[(hh * d + r) * dk + c] = w.wv[r * d + hh * dk + c]!;
      }
    }
  }
  return { wkT, wv3 };
}

function crossGraph(w: Weights): Uint8Array {
  const { wkT, wv3 } = headWeights(w);
  const g = new GraphBuilder('cross');
  const y = g.input('y', 'float32', ['B', d]);
  const e = g.input('E', 'float32', [T, d]);
  const et = g.input('Et', 'float32', [d, T]);
  g.initializer('Wq', f32([d, d], w.wq));
  g.initializer('bq', f32([d], w.bq));
  g.initializer('WkT', f32([h, dk, d], wkT));
  g.initializer('Wv3', f32([h, d, dk], wv3));
  g.initializer('Wo', f32([d, d], w.wo));
  g.initializer('bo', f32([d], w.bo));
  g.initializer('heads', i64([4], [-1, h, 1, dk]));
  g.initializer('rows', i64([2], [-1, d]));
  g.initializer('scale', scalarF32(1 / Math.sqrt(dk)));
  const q = g.op('Reshape', [g.op('Add', [g.op('MatMul', [y, 'Wq']), 'bq']), 'heads']);
  const a = g.op('MatMul', [q, 'WkT']); // [B, h, 1, d]
  const p = g.op('Softmax', [g.op('Mul', [g.op('MatMul', [a, et]), 'scale'])], {
    attrs: { axis: { i: -1 } },
  });
  const o = g.op('Reshape', [g.op('MatMul', [g.op('MatMul', [p, e]), 'Wv3']), 'rows']);
  g.node('Add', [g.op('MatMul', [o, 'Wo']), 'bo'], ['out']);
  g.output('out', 'float32', ['B', d]);
  return serializeModel(g, { opset: 17 });
}

/** Our kernels on the same weights: gemm_packed, attention_folded, gemm_packed. */
function ourCross(k: KernelExports, w: Weights, maxB: number): { run(y: Float32Array): Float32Array } {
  let next = k.memory.buffer.byteLength;
  k.memory.grow(Math.ceil((8 * d * d + T * d + maxB * (4 * d + 3 * h * d + h * T)) / 16384) + 16);
  const put = (n: number, init?: Float32Array) => {
    const p = next;
    next += Math.ceil(n / 16) * 64;
    if (init) new Float32Array(k.memory.buffer, p, n).set(init);
    return p;
  };
  const wq = put(d * d, packPanels(w.wq, d, d)),
    bq = put(d, w.bq),
    wk = put(d * d, packHeads(w.wk, d, h));
  const wv = put(d * d, packPanels(w.wv, d, d)),
    wo = put(d * d, packPanels(w.wo, d, d)),
    bo = put(d, w.bo);
  const e = put(T * d, w.e),
    y = put(maxB * d),
    q = put(maxB * d),
    o = put(maxB * d),
    out = put(maxB * d);
  const a = put(maxB * h * d),
    s = put(maxB * h * T),
    u = put(maxB * h * d);
  return {
    run(rows: Float32Array): Float32Array {
      const B = rows.length / d;
      new Float32Array(k.memory.buffer, y, rows.length).set(rows);
      k.gemm_packed(y, d, wq, bq, q, d, B, d, d, 0);
      k.attention_folded(q, B, e, T, wk, wv, o, a, s, u, d, h, -1);
      k.gemm_packed(o, d, wo, bo, out, d, B, d, d, 0);
      return new Float32Array(k.memory.buffer, out, rows.length);
    },
  };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (v: number[]) => [...v].sort((x, z) => x - z)[v.length >> 1]!;

async function main(): Promise<void> {
  ort.env.wasm.numThreads = 1;
  const rng = new Rng(3);
  const w = randomWeights(rng);
  const session = await ort.InferenceSession.create(crossGraph(w), { executionProviders: ['wasm'] });
  const ours = ourCross(await kernels(), w, 8);
  const et = transpose(w.e, T, d);
  for (const B of [1, 8]) {
    const y = rng.normals(B * d);
    const feeds = {
      y: new ort.Tensor('float32', y, [B, d]),
      E: new ort.Tensor('float32', w.e, [T, d]),
      Et: new ort.Tensor('float32', et, [d, T]),
    };
    const tOrt: number[] = [];
    const tOurs: number[] = [];
    let ref: Float32Array = new Float32Array(0);
    let got: Float32Array = new Float32Array(0);
    for (let r = 0; r < 25; r++) {
      let t = cpuMs();
      ref = (await session.run(feeds)).out!.data as Float32Array;
      if (r >= 5) tOrt.push(cpuMs() - t);
      t = cpuMs();
      got = ours.run(y);
      if (r >= 5) tOurs.push(cpuMs() - t);
    }
    const scale = Math.max(...ref.map(Math.abs));
    const diff = Math.max(...got.map((g, i) => Math.abs(g - ref[i]!))) / scale;
    console.log(
      `batch ${B}: onnxruntime-web WASM EP ${median(tOrt).toFixed(3)} ms, our kernels ${median(tOurs).toFixed(3)} ms ` +
        `(CPU time, median of 20; outputs agree to ${diff.toExponential(1)})`,
    );
  }
}

await main();
