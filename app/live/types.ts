/**
 * Live captions: the words a streaming transcription confirms or still holds open. Times are
 * integer milliseconds from the start of the live session's audio; words carry their leading
 * space, as Whisper's do (app/transcribe/types.ts).
 */

export interface LiveWord {
  text: string;
  startMs: number;
  endMs: number;
}

/** What one decoding pass of the live buffer changed. */
export interface LiveUpdate {
  /** Words confirmed by this pass, in order; they follow every word confirmed before and never change. */
  confirmed: LiveWord[];
  /** The unconfirmed tail of the newest hypothesis (replaces the previous tail). */
  tentative: LiveWord[];
  /** Audio received so far. */
  audioMs: number;
  /** Where the live buffer (the audio decoded again each pass) starts. */
  bufferStartMs: number;
  /** Wall time of this pass (encoder + decoder). */
  decodeMs: number;
  /** True for the last update of a session: the tentative tail was confirmed and is empty. */
  final: boolean;
}
