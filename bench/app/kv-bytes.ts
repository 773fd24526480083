/** Decoder cache bytes of Transformers.js's merged decoder graph (no Node APIs: pages use it too). */
export interface KvConfig {
  d_model: number;
  max_target_positions: number;
  max_source_positions: number;
}

/**
 * Past key/value bytes of one sequence at full context: each present.<layer>.decoder.{key,value}
 * output holds [1, heads, positions ≤ max_target_positions, head dim] fp32, each
 * present.<layer>.encoder.{key,value} [1, heads, max_source_positions, head dim].
 */
export function pastKeyValueBytes(outputNames: readonly string[], c: KvConfig): number {
  const self = outputNames.filter((n) => /^present\.\d+\.decoder\.(key|value)$/.test(n)).length;
  const cross = outputNames.filter((n) => /^present\.\d+\.encoder\.(key|value)$/.test(n)).length;
  return (self * c.max_target_positions + cross * c.max_source_positions) * c.d_model * 4;
}
