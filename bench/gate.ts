// The benchmark gate's judgement, pure (unit-tested on recorded samples in
// test/unit/benchGate.test.ts): a figure now against its committed baseline.
import { textTable } from '../src/core/util/textTable';

/**
 * `exact`: deterministic (bytes, DOM nodes, saved-state size): any change
 * beyond the tolerance counts. `ratio`: a timing measured side by side with
 * its baseline in interleaved rounds, with the range of the per-round ratios.
 */
export interface Figure {
  name: string;
  kind: 'exact' | 'ratio';
  /** Which way is better. */
  better: 'lower' | 'higher';
  value: number;
  /** Ratios: the lowest and highest per-round value of this measurement. */
  spread?: [number, number];
  unit?: string;
}

export type Verdict = 'ok' | 'better' | 'regressed' | 'suspect' | 'noise';

/** How much worse a figure may get before it counts: 10 %. */
export const TOLERANCE = 0.1;

/** How far `now` is from `base`, signed so that positive is worse. */
export function worseBy(f: Pick<Figure, 'better'>, base: number, now: number): number {
  if (base === 0) return now === 0 ? 0 : f.better === 'lower' ? Infinity : -Infinity;
  return f.better === 'lower' ? now / base - 1 : 1 - now / base;
}

/**
 * One figure's verdict. An exact figure regresses when it is more than 10 %
 * worse. A ratio is only `suspect` when it is more than 10 % worse and even
 * the best round of this measurement is: a slow median inside the spread is
 * noise on a shared machine. A suspect figure is measured again
 * (`remeasured`), and regresses only when that is more than 10 % worse too.
 */
export function judge(base: Figure, now: Figure, remeasured?: Figure, tolerance = TOLERANCE): Verdict {
  const worse = worseBy(base, base.value, now.value);
  if (worse <= -tolerance) return 'better';
  if (worse <= tolerance) return 'ok';
  if (base.kind === 'exact') return 'regressed';
  const best = now.spread ? (base.better === 'higher' ? now.spread[1] : now.spread[0]) : now.value;
  if (worseBy(base, base.value, best) <= tolerance) return 'noise';
  if (!remeasured) return 'suspect';
  return worseBy(base, base.value, remeasured.value) > tolerance ? 'regressed' : 'noise';
}

/** "4.2 % worse", "12.0 % better", "same". */
function change(f: Pick<Figure, 'better'>, base: number, now: number): string {
  const w = worseBy(f, base, now);
  if (!Number.isFinite(w)) return w > 0 ? 'worse' : 'better';
  return Math.abs(w) < 0.0005 ? 'same' : `${(Math.abs(w) * 100).toFixed(1)} % ${w > 0 ? 'worse' : 'better'}`;
}

/** The comparison report: one line a figure (baseline, now, change, spread, verdict). */
export function report(rows: ReadonlyArray<{ base?: Figure; now: Figure; verdict: Verdict | 'new' }>): string {
  // Small figures (events per delta) keep three significant digits.
  const fmt = (n: number, unit = '') => `${Number.isInteger(n) ? n : Math.abs(n) < 0.1 ? n.toPrecision(3) : n.toFixed(3)}${unit}`;
  const cells = rows.map(({ base, now, verdict }) => [
    now.name,
    base ? fmt(base.value, now.unit) : '—',
    fmt(now.value, now.unit),
    base ? change(now, base.value, now.value) : '',
    now.spread ? `${fmt(now.spread[0])}–${fmt(now.spread[1])}` : '',
    verdict,
  ]);
  return textTable(['figure', 'baseline', 'now', 'change', 'spread', 'verdict'], cells);
}
