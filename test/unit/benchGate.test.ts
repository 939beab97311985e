import * as assert from 'node:assert/strict';
import { judge, report, worseBy, type Figure } from '../../bench/gate';

const ratio = (value: number, spread: [number, number]): Figure => ({ name: 'parser.relayVsReadline', kind: 'ratio', better: 'higher', value, spread });
const bytes = (value: number): Figure => ({ name: 'bundle.webview.gzipBytes', kind: 'exact', better: 'lower', value, unit: ' B' });

describe('benchmark gate: the judgement', () => {
  // Recorded by `check.js --only parser` on the 2-core development machine (2026-12-02): the
  // baseline, two idle runs, one beside a full CI run, and one with AGENT_RELAY_BENCH_SLOWDOWN=3 and its re-measurement.
  const baseline = ratio(1.818, [1.303, 2.124]);
  const idle = ratio(1.832, [1.045, 2.759]);
  const idleSlow = ratio(1.768, [1.114, 2.132]);
  const loaded = ratio(1.448, [0.988, 2.204]);
  const slowed = ratio(0.675, [0.408, 0.767]);
  const slowedAgain = ratio(0.507, [0.415, 0.618]);

  it('exact figures fail on any regression over 10 %, pass within it, and say when they got better', () => {
    assert.equal(judge(bytes(49_503), bytes(54_000)), 'ok');
    assert.equal(judge(bytes(49_503), bytes(55_000)), 'regressed');
    assert.equal(judge(bytes(49_503), bytes(40_000)), 'better');
    assert.equal(judge({ ...bytes(126), name: 'panel.10MB.domNodes' }, { ...bytes(5000), name: 'panel.10MB.domNodes' }), 'regressed');
  });

  it('noise on a shared machine passes: a slow median whose best round is within 10 % is not a regression', () => {
    assert.equal(judge(baseline, idle), 'ok');
    assert.equal(judge(baseline, idleSlow), 'ok');
    assert.equal(judge(baseline, loaded), 'noise');
  });

  it('a real slowdown is suspect first, and fails only when measuring it again confirms it', () => {
    assert.equal(judge(baseline, slowed), 'suspect');
    assert.equal(judge(baseline, slowed, slowedAgain), 'regressed');
    assert.equal(judge(baseline, slowed, idle), 'noise', 'a regression the second measurement does not show is noise');
  });

  it('a faster run passes', () => {
    assert.equal(judge(baseline, ratio(2.3, [2.1, 2.5])), 'better');
  });

  it('reports baseline, now, change, spread and verdict per figure', () => {
    const text = report([
      { base: baseline, now: slowed, verdict: 'regressed' },
      { base: bytes(100), now: bytes(100), verdict: 'ok' },
      { now: bytes(7), verdict: 'new' },
    ]);
    assert.match(text, /^figure\s+baseline\s+now\s+change\s+spread\s+verdict/);
    assert.match(text, /parser\.relayVsReadline\s+1\.818\s+0\.675\s+62\.9 % worse\s+0\.408–0\.767\s+regressed/);
    assert.match(text, /bundle\.webview\.gzipBytes\s+100 B\s+100 B\s+same\s+ok/);
    assert.match(text, /7 B\s+new/);
    assert.equal(worseBy({ better: 'lower' }, 0, 0), 0);
  });
});
