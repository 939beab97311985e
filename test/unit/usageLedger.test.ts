import * as assert from 'node:assert/strict';
import { ledgerCsv, ledgerMarkdown, localDay, spentOn, usageLedger } from '../../src/core/metrics/usageLedger';

const DAY1 = Date.UTC(2026, 11, 1, 10);
const DAY2 = Date.UTC(2026, 11, 2, 10);
const rec = (over: Record<string, unknown>) => ({ finishedAt: DAY2, agentId: 'claude', agentName: 'Claude Code', ...over }) as Parameters<typeof usageLedger>[0] extends Iterable<infer R> ? R : never;

describe('usage ledger', () => {
  it('adds tokens and reported cost per agent per day, newest day first; a run without a cost is counted as missing, never guessed', () => {
    const rows = usageLedger(
      [
        rec({ inputTokens: 100, outputTokens: 10, costUsd: 0.5 }),
        rec({ inputTokens: 50, outputTokens: 5, costUsd: 0.25 }),
        rec({ agentId: 'codex', agentName: 'OpenAI Codex', inputTokens: 7, outputTokens: 3 }),
        rec({ finishedAt: DAY1, inputTokens: 1, outputTokens: 1, costUsd: 1 }),
      ],
      0,
    );
    assert.deepEqual(rows.map((r) => [r.day, r.agentId, r.runs, r.inputTokens, r.outputTokens, r.costUsd, r.runsWithoutCost]), [
      ['2026-12-02', 'claude', 2, 150, 15, 0.75, 0],
      ['2026-12-02', 'codex', 1, 7, 3, 0, 1],
      ['2026-12-01', 'claude', 1, 1, 1, 1, 0],
    ]);
    assert.deepEqual(spentOn(rows, '2026-12-02'), { costUsd: 0.75, runsWithoutCost: 1 });
  });

  it('counts answers from the cache apart, as saved, not as spent', () => {
    const [row] = usageLedger([rec({ inputTokens: 100, outputTokens: 20, costUsd: 0.4, cache: 'hit' }), rec({ inputTokens: 100, outputTokens: 20, costUsd: 0.4, cache: 'stored' })], 0);
    assert.deepEqual([row.runs, row.costUsd, row.cacheHits, row.savedTokens, row.savedCostUsd, row.inputTokens], [2, 0.4, 1, 120, 0.4, 100]);
  });

  it('days are local: a run at 23:30 UTC is the next day two hours east', () => {
    assert.equal(localDay(Date.UTC(2026, 11, 1, 23, 30), 0), '2026-12-01');
    assert.equal(localDay(Date.UTC(2026, 11, 1, 23, 30), -120), '2026-12-02');
  });

  it('exports CSV a spreadsheet cannot run, and Markdown where a name cannot become markup', () => {
    const rows = usageLedger([rec({ agentId: 'evil', agentName: '=HYPERLINK("http://x","click"), [a](command:x)', costUsd: 1 })], 0);
    const csv = ledgerCsv(rows);
    assert.match(csv, /^day,agentId,agentName,runs,/);
    assert.match(csv, /"'=HYPERLINK\(""http:\/\/x"",""click""\), \[a\]\(command:x\)"/);
    const md = ledgerMarkdown(rows);
    assert.doesNotMatch(md, /\[a\]\(command:x\)/);
    assert.match(md, /\\\[a\\\]\\\(command:x\\\)/);
  });
});
