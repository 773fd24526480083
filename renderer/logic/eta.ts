/**
 * Remaining time of a job from its own pace: wall time spent per second of audio done so far,
 * times the audio left. Paused time is not counted (the caller passes active time only). Null
 * until there is enough to go on (the first window has not finished).
 */
export function estimateRemainingS(
  activeMs: number,
  doneS: number,
  startS: number,
  totalS: number,
): number | null {
  const done = doneS - startS;
  if (done <= 0 || activeMs <= 0 || totalS <= 0) return null;
  const left = Math.max(0, totalS - doneS);
  return (activeMs / 1000 / done) * left;
}
