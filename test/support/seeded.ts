// Seeded randomness for fuzz tests: FUZZ_SEED=<n> reproduces a failure, FUZZ_CASES=<n> runs more.
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261201);

export function fuzzCases(fallback: number): number {
  return Number(process.env.FUZZ_CASES ?? fallback);
}

/** mulberry32: small, fast, and the same sequence everywhere for a seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
