/** Median of several timed rounds; rounds of competing variants are interleaved so drift hits both alike. */
export function interleaved(rounds: number, variants: Record<string, () => Promise<void> | void>): Promise<Record<string, number>> {
  return (async () => {
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
    for (let r = 0; r < rounds; r++) {
      for (const [name, fn] of Object.entries(variants)) {
        const t0 = process.hrtime.bigint();
        await fn();
        times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
  })();
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
