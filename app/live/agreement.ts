/**
 * LocalAgreement-2 (Macháček et al., whisper_streaming): the live buffer is decoded again on
 * every pass, and a word is confirmed once two consecutive hypotheses agree on it and on
 * everything before it. Confirmed words are final: later passes may restate them differently
 * (the buffer still holds their audio until it is trimmed), so each hypothesis is first lined
 * up against the confirmed words still in the buffer and only its remainder takes part in the
 * agreement. Whisper's own wording of those restated words is never shown again: captions grow
 * at their end only, with no flicker and no repeats.
 */
import type { LiveWord } from './types.ts';

/** Case and punctuation do not make two words different ("Americans," = "americans"). */
export function wordKey(text: string): string {
  const key = text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
  return key === '' ? text.trim() : key;
}

/**
 * How many leading words of `hyp` restate `committed`: the k whose prefix hyp[0, k) is closest
 * to `committed` by word edit distance (ties: the longer prefix, so a restated word is not
 * shown twice). Whisper drops or merges words when it decodes audio again, so an exact match
 * would misplace the boundary.
 */
export function restatedLength(committed: readonly LiveWord[], hyp: readonly LiveWord[]): number {
  const c = committed.map((w) => wordKey(w.text));
  const h = hyp.map((w) => wordKey(w.text));
  if (c.length === 0) return 0;
  // dp[j] = edit distance between c[0, i) and h[0, j), row by row over i.
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= c.length; i++) {
    const row = [i];
    for (let j = 1; j <= h.length; j++) {
      const sub = prev[j - 1]! + (c[i - 1] === h[j - 1] ? 0 : 1);
      row.push(Math.min(sub, prev[j]! + 1, row[j - 1]! + 1));
    }
    prev = row;
  }
  let best = 0;
  for (let k = 1; k <= h.length; k++) if (prev[k]! <= prev[best]!) best = k;
  return best;
}

export interface AgreementStep {
  /** Leading words of the hypothesis that restated confirmed words (0 for flush). */
  restated: number;
  /** Newly confirmed words (appended to everything confirmed before). */
  confirmed: LiveWord[];
  /** The newest hypothesis' unconfirmed tail. */
  tentative: LiveWord[];
}

export class LocalAgreement {
  private readonly all: LiveWord[] = [];
  /** Index in `all` of the first confirmed word whose audio is still in the buffer. */
  private inBuffer = 0;
  private previous: LiveWord[] = [];
  /** The last insert: hypothesis words that restated the `committed` confirmed words then in the buffer. */
  private last = { restated: 0, committed: 0 };

  /** Every word confirmed so far. */
  get confirmed(): readonly LiveWord[] {
    return this.all;
  }

  /** Confirmed words whose audio has left the buffer: the prompt of the next pass. */
  get scrolledAway(): readonly LiveWord[] {
    return this.all.slice(0, this.inBuffer);
  }

  /** Confirmed words whose audio is still in the buffer (each hypothesis restates them). */
  get committedInBuffer(): readonly LiveWord[] {
    return this.all.slice(this.inBuffer);
  }

  get tentative(): readonly LiveWord[] {
    return this.previous;
  }

  /** Takes a hypothesis of the whole buffer; confirms the prefix it shares with the previous one. */
  insert(hypothesis: readonly LiveWord[]): AgreementStep {
    const restated = restatedLength(this.committedInBuffer, hypothesis);
    this.last = { restated, committed: this.all.length - this.inBuffer };
    const fresh = hypothesis.slice(restated);
    let n = 0;
    while (
      n < fresh.length &&
      n < this.previous.length &&
      wordKey(fresh[n]!.text) === wordKey(this.previous[n]!.text)
    )
      n++;
    const confirmed = fresh.slice(0, n);
    this.all.push(...confirmed);
    this.previous = fresh.slice(n);
    return { restated, confirmed, tentative: this.previous };
  }

  /**
   * Confirms the next `count` words of the tentative tail without waiting for agreement: the
   * buffer is full and its audio must go (the live window is bounded), so the newest hypothesis
   * of that audio is the best there will be.
   */
  confirmTentative(count: number): LiveWord[] {
    const confirmed = this.previous.slice(0, count);
    this.all.push(...confirmed);
    this.previous = this.previous.slice(confirmed.length);
    return confirmed;
  }

  /** The end of the stream: the last tail is confirmed as it stands. */
  flush(): AgreementStep {
    const confirmed = this.previous;
    this.all.push(...confirmed);
    this.previous = [];
    return { restated: 0, confirmed, tentative: [] };
  }

  /**
   * The buffer was cut after the first `words` words of the last inserted hypothesis (all of
   * them confirmed): the confirmed words they stand for leave the buffer. Its first `restated`
   * words stood for the confirmed words then in the buffer, the next ones were confirmed one for
   * one; a cut inside the restated part takes a proportional share. Counting words, not times: the times of words
   * inside a segment are estimates, and a word counted wrongly would be shown twice.
   */
  scrolled(words: number): void {
    const { restated, committed } = this.last;
    const leaving =
      words >= restated
        ? committed + (words - restated)
        : Math.round((words * committed) / Math.max(1, restated));
    this.inBuffer = Math.min(this.all.length, this.inBuffer + leaving);
    this.last = { restated: 0, committed: 0 };
  }

  /** The buffer now starts at `ms`: confirmed words centred before it are no longer in its audio. */
  trimmed(ms: number): void {
    while (this.inBuffer < this.all.length) {
      const w = this.all[this.inBuffer]!;
      if ((w.startMs + w.endMs) / 2 >= ms) break;
      this.inBuffer++;
    }
  }

  /** Keeps the words of the unconfirmed tail that pass `keep` (a word heard in silence goes). */
  keepTentative(keep: (w: LiveWord) => boolean): void {
    this.previous = this.previous.filter(keep);
  }

  /** Drops the unconfirmed tail (the buffer lost its audio without confirming it). */
  forgetTentative(): void {
    this.previous = [];
  }
}
