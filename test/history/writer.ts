// A second window writing the run history, for the concurrency test: started
// with child_process.fork, it writes HISTORY_RUNS runs (each also trims) and
// lists the history after each, then exits.
import type { SeqEvent } from '../../src/core/agents/events';
import { historyRecord } from '../../src/core/history/historyRecord';
import { HistoryStore } from '../../src/core/history/historyStore';

async function main(): Promise<void> {
  const { root, ws, name, runs } = JSON.parse(process.env.HISTORY_JOB!) as { root: string; ws: string; name: string; runs: number };
  const history = new HistoryStore(root).workspace(ws);
  for (let i = 0; i < runs; i++) {
    const id = `${name}-${i}`;
    const events: SeqEvent[] = [
      { seq: 1, at: 0, event: { type: 'text', text: `answer of ${id} `.repeat(1 + (i % 50)) } },
      { seq: 2, at: 1, event: { type: 'done', outcome: { status: 'succeeded', durationMs: 1 } } },
    ];
    const record = historyRecord({ id, agentId: 'claude', agentName: 'Claude Code', prompt: id, fullPrompt: id, cwd: '/ws', createdAt: Date.now(), finishedAt: Date.now(), outcome: { status: 'succeeded', durationMs: 1 } }, events);
    await history.write(record, events);
    await history.list();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
