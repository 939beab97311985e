/** Median of several timed rounds; rounds of competing variants are interleaved so drift hits both alike. */
export async function interleaved(rounds: number, variants: Record<string, () => Promise<void> | void>): Promise<Record<string, number>> {
  const times = await interleavedRounds(rounds, variants);
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

/** Every round's time of each variant (ms), interleaved: round r of one variant ran next to round r of the others. */
export async function interleavedRounds(rounds: number, variants: Record<string, () => Promise<void> | void>): Promise<Record<string, number[]>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(variants)) {
      const t0 = process.hrtime.bigint();
      await fn();
      times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  return times;
}

/**
 * A ratio of two variants measured side by side: the median of the per-round
 * ratios (baseline time / ours, so > 1 means ours is faster) and their range,
 * which is the spread a later measurement is judged against.
 */
export function pairedRatio(ours: number[], baseline: number[]): { value: number; spread: [number, number] } {
  const r = ours.map((t, i) => baseline[i] / t);
  return { value: median(r), spread: [Math.min(...r), Math.max(...r)] };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Medians of interleaved rounds, and every round's times, so ratios can carry their per-round spread. */
export async function interleavedWithRounds(rounds: number, variants: Record<string, () => Promise<void> | void>): Promise<{ median: Record<string, number>; rounds: Record<string, number[]> }> {
  const times = await interleavedRounds(rounds, variants);
  return { median: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])), rounds: times };
}

/** `a` over `b` per round (so > 1 means `a` took longer): the median of those ratios and their range. */
export function roundRatio(a: number[], b: number[], digits = 3): { value: number; spread: [number, number] } {
  const r = a.map((t, i) => t / b[i]);
  const k = 10 ** digits;
  return { value: Math.round(median(r) * k) / k, spread: [Math.round(Math.min(...r) * k) / k, Math.round(Math.max(...r) * k) / k] };
}
