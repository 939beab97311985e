import * as assert from 'node:assert/strict';
import { groupRow, groupTable, markBest, type GroupRow } from '../../src/core/run/groupSummary';

const row = (over: Partial<GroupRow>): GroupRow => ({ agentId: 'a', agentName: 'A', status: 'succeeded', fromCache: false, answerChars: 1, ...over });

describe('several agents: the summary', () => {
  it('marks the fastest succeeded run and the cheapest of those that reported a cost; cache hits and failures are not candidates', () => {
    const rows = markBest([
      row({ agentId: 'claude', durationMs: 900, costUsd: 0.02 }),
      row({ agentId: 'codex', durationMs: 400 }),
      row({ agentId: 'cached', durationMs: 1, costUsd: 0, fromCache: true }),
      row({ agentId: 'failed', status: 'failed', durationMs: 2, costUsd: 0 }),
      row({ agentId: 'gemini', durationMs: 700, costUsd: 0.01 }),
    ]);
    assert.deepEqual(rows.filter((r) => r.fastest).map((r) => r.agentId), ['codex']);
    assert.deepEqual(rows.filter((r) => r.cheapest).map((r) => r.agentId), ['gemini']);
    assert.deepEqual(markBest([row({ status: 'failed' })]).map((r) => [r.fastest, r.cheapest]), [[undefined, undefined]]);
  });

  it('reads a row from the run and its events; cost stays blank when the agent did not report it', () => {
    const r = groupRow({ agentId: 'codex', agentName: 'OpenAI Codex', state: 'finished', outcome: { status: 'failed', durationMs: 1500, message: 'HTTP 500\nmore' }, firstOutputMs: 300 }, [
      { type: 'text', text: 'abc' },
      { type: 'usage', inputTokens: 10, outputTokens: 2 },
    ]);
    assert.deepEqual(r, { agentId: 'codex', agentName: 'OpenAI Codex', status: 'failed', firstOutputMs: 300, durationMs: 1500, inputTokens: 10, outputTokens: 2, costUsd: undefined, fromCache: false, answerChars: 3, message: 'HTTP 500' });
    assert.equal(groupRow({ agentId: 'x', agentName: 'X', state: 'queued' }, []).status, 'queued');
    const table = groupTable(markBest([r, row({ agentName: 'Claude Code', durationMs: 1000, costUsd: 0.5 })]));
    assert.match(table, /^agent\s+status/);
    assert.match(table, /Claude Code ⚡ \$\s+succeeded/);
    assert.match(table, /OpenAI Codex\s+failed\s+0\.3 s\s+1\.5 s\s+10 in \/ 2 out\s+3\s+HTTP 500/);
  });
});
