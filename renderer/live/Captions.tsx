/**
 * Captions as text: confirmed words in the normal style, the tentative tail dimmed. Shared by
 * the live view, the in-page overlay (browser) and the overlay window's page (Electron).
 */
import type { LiveWord } from '../../app/live/types.ts';
import type { OverlayCaptions } from '../../app/ipc/contract.ts';

export function Captions({ confirmed, tentative }: OverlayCaptions) {
  return (
    <p className="captions" data-testid="captions">
      <span className="confirmed" data-testid="confirmed">
        {confirmed}
      </span>
      <span className="tentative" data-testid="tentative">
        {tentative}
      </span>
    </p>
  );
}

/** Words as caption text (Whisper's words carry their own leading spaces). */
export const wordsText = (words: readonly LiveWord[]): string => words.map((w) => w.text).join('');

/** What an overlay shows: the last `n` words only (what is being said now), as text. */
export function overlayCaptions(
  confirmed: readonly LiveWord[],
  tentative: readonly LiveWord[],
  n = 24,
): OverlayCaptions {
  const t = tentative.slice(-n);
  const c = confirmed.slice(Math.max(0, confirmed.length - (n - t.length)));
  return {
    confirmed: wordsText(c).trimStart(),
    tentative: c.length ? wordsText(t) : wordsText(t).trimStart(),
  };
}
