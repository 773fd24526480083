/**
 * The microphone for live captions: getUserMedia → AudioWorklet (capture-worklet.ts) at the
 * device's rate → libsamplerate to 16 kHz → `onChunk`. Echo cancellation, noise suppression and
 * automatic gain stay off: they reshape speech in ways Whisper was not trained on.
 */
import { createResampler } from '../../app/audio/resample.ts';

export interface Microphone {
  /** The device's rate (the worklet's). */
  readonly sampleRate: number;
  /** Stops capture; the last samples are delivered before it resolves. */
  stop(): Promise<void>;
}

export async function startMicrophone(
  onChunk: (samples16k: Float32Array) => void,
  deviceId?: string | null,
): Promise<Microphone> {
  // Everything that takes time first: audio flows from getUserMedia on, and what arrives before
  // the worklet is connected is lost.
  const ctx = new AudioContext();
  // Opened after the model loaded, outside the Start click: a browser may hold it suspended.
  if (ctx.state === 'suspended') await ctx.resume().catch(() => undefined);
  await ctx.audioWorklet.addModule(new URL('./assets/capture-worklet.js', document.baseURI).href);
  const resampler = await createResampler(ctx.sampleRate, 'microphone');
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: {
      ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
      channelCount: 1,
      echoCancellation: false,
      noiseSuppression: false,
      autoGainControl: false,
    },
  });
  const source = ctx.createMediaStreamSource(stream);
  const node = new AudioWorkletNode(ctx, 'slim-capture', { numberOfInputs: 1, numberOfOutputs: 0 });
  let ended: (() => void) | null = null;
  let open = true;
  node.port.onmessage = (e: MessageEvent<{ type: 'block' | 'end'; samples?: Float32Array }>) => {
    if (!open) return;
    if (e.data.type === 'block') {
      const out = resampler.push(e.data.samples!);
      if (out.length) onChunk(out);
      return;
    }
    open = false;
    const tail = resampler.flush();
    if (tail.length) onChunk(tail);
    ended?.();
  };
  source.connect(node);
  return {
    sampleRate: ctx.sampleRate,
    stop: async () => {
      const done = new Promise<void>((resolve) => (ended = resolve));
      node.port.postMessage({ type: 'stop' });
      await Promise.race([done, new Promise((r) => setTimeout(r, 500))]);
      source.disconnect();
      for (const t of stream.getTracks()) t.stop();
      await ctx.close();
    },
  };
}
