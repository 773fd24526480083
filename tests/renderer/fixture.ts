/**
 * A TEST FIXTURE, not engine output: jfk.wav's reference text (../shared/audio/transcripts.tsv)
 * laid out as three segments with word times spread by word length over hand-read segment
 * bounds, one word marked low-confidence and one segment flagged, so that the transcript view,
 * editing and export can be driven before the engine exists. Replace with a real transcription
 * once app/worker/engine.ts loads the engine.
 */
import type { TranscriptSegment } from '../../app/ipc/transcript.ts';
import { spread } from '../../renderer/logic/edit.ts';

const SEGMENTS: [number, number, string][] = [
  [0, 3000, 'And so, my fellow Americans,'],
  [3000, 7700, 'ask not what your country can do for you,'],
  [8000, 10600, 'ask what you can do for your country.'],
];

export function jfkFixtureSegments(): TranscriptSegment[] {
  return SEGMENTS.map(([startMs, endMs, text], id) => {
    const words = spread(text.split(' '), startMs, endMs).map((w) => ({ ...w, probability: 0.93 }));
    if (id === 1) words[4] = { ...words[4]!, probability: 0.31 }; // "country": shown as low-confidence
    return {
      id,
      startMs,
      endMs,
      text: ` ${text}`,
      words,
      flags: id === 2 ? ['low-confidence'] : [],
      avgLogProb: id === 2 ? -1.2 : -0.2,
      noSpeechProb: 0.01,
      compressionRatio: 1.2,
    };
  });
}
