// The run history: what keeping a finished run costs, next to writing the same
// bytes with plain fs calls, and what the Runs view's first load (listing a
// full history of 500 runs) and opening one run's transcript cost, next to
// reading the same files without any checks.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SeqEvent } from '../src/core/agents/events';
import { decodeLog, encodeLog, historyRecord, type HistoryRecord } from '../src/core/history/historyRecord';
import { HistoryStore } from '../src/core/history/historyStore';
import { interleavedWithRounds, roundRatio } from './measure';

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const WS = 'ab'.repeat(16);

/** A finished run of `deltas` text deltas of 40 characters, with the events a real one has around them. */
function finishedRun(n: number, deltas: number): { record: HistoryRecord; events: SeqEvent[] } {
  const events: SeqEvent[] = [{ seq: 1, at: 0, event: { type: 'started', agentId: 'claude', model: 'claude-sonnet-4-5' } }];
  for (let i = 0; i < deltas; i++) events.push({ seq: events.length + 1, at: i, event: { type: 'text', text: `${i} ${'word '.repeat(8)}`.slice(0, 40) } });
  events.push({ seq: events.length + 1, at: deltas, event: { type: 'usage', inputTokens: 1200, outputTokens: 400, costUsd: 0.01 } });
  events.push({ seq: events.length + 1, at: deltas, event: { type: 'done', outcome: { status: 'succeeded', durationMs: deltas } } });
  const at = 1_800_000_000_000 + n * 1000;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  const record = historyRecord(
    { id, agentId: 'claude', agentName: 'Claude Code', prompt: `Explain module ${n}`, fullPrompt: `Explain module ${n}\n\n${'context '.repeat(100)}`, cwd: '/work', createdAt: at - 10, startedAt: at - 9, finishedAt: at, outcome: { status: 'succeeded', durationMs: 9 } },
    events,
  );
  return { record, events };
}

/** The same two files written with plain fs calls: the floor the store's atomic, checked writes are measured against. */
async function plainWrite(dir: string, record: HistoryRecord, events: readonly SeqEvent[]): Promise<void> {
  await fsp.writeFile(path.join(dir, 'logs', `${record.id}.jsonl`), encodeLog(events));
  await fsp.writeFile(path.join(dir, 'runs', `${record.finishedAt}-${record.id}.json`), JSON.stringify(record));
}

async function writes(root: string, deltas: number, full: number) {
  // A history already holding `full` runs: every write also trims, which looks at all of them.
  const store = new HistoryStore(path.join(root, 'store'), { bounds: { maxRuns: full, maxBytes: 200 * 1024 * 1024 } });
  const ws = store.workspace(WS);
  for (let i = 0; i < full; i++) {
    const r = finishedRun(i, 10);
    await ws.write(r.record, r.events);
  }
  const plain = path.join(root, 'plain');
  mkdirSync(path.join(plain, 'logs'), { recursive: true });
  mkdirSync(path.join(plain, 'runs'), { recursive: true });
  let n = full;
  const batch = 20;
  const { median: t, rounds } = await interleavedWithRounds(7, {
    store: async () => {
      for (let i = 0; i < batch; i++) {
        const r = finishedRun(n++, deltas);
        await ws.write(r.record, r.events);
      }
    },
    plain: async () => {
      for (let i = 0; i < batch; i++) {
        const r = finishedRun(n++, deltas);
        await plainWrite(plain, r.record, r.events);
      }
    },
  });
  return {
    workload: `a run of ${deltas} text deltas (${Math.round((finishedRun(0, deltas).events.length * 90) / 1024)} KB of log) kept in a history holding ${full} runs`,
    msPerRun: { store: round(t.store / batch), plainWrites: round(t.plain / batch) },
    ratio: { storeVsPlain: round(t.store / t.plain) },
    paired: { storeVsPlain: roundRatio(rounds.store, rounds.plain) },
  };
}

async function reads(root: string, runs: number, deltas: number) {
  const store = new HistoryStore(path.join(root, 'read'), { bounds: { maxRuns: runs, maxBytes: 500 * 1024 * 1024 } });
  const ws = store.workspace(WS);
  for (let i = 0; i < runs; i++) {
    const r = finishedRun(i, deltas);
    await ws.write(r.record, r.events);
  }
  const runsDir = path.join(ws.dir, 'runs');
  const logsDir = path.join(ws.dir, 'logs');
  const someId = finishedRun(runs - 1, deltas).record.id;
  let listed = 0;
  const { median: t, rounds } = await interleavedWithRounds(9, {
    list: async () => {
      listed = (await ws.list()).records.length;
    },
    plainList: async () => {
      const names = (await fsp.readdir(runsDir)).sort().reverse();
      const out: unknown[] = [];
      for (const name of names) out.push(JSON.parse(await fsp.readFile(path.join(runsDir, name), 'utf8')));
    },
    open: async () => {
      await ws.get(someId);
      await ws.readEvents(someId);
    },
    plainOpen: async () => {
      const name = (await fsp.readdir(runsDir)).find((n) => n.endsWith(`-${someId}.json`))!;
      JSON.parse(await fsp.readFile(path.join(runsDir, name), 'utf8'));
      decodeLog(await fsp.readFile(path.join(logsDir, `${someId}.jsonl`), 'utf8'));
    },
  });
  if (listed !== runs) throw new Error(`listed ${listed} of ${runs} runs`);
  return {
    workload: `a history of ${runs} runs of ${deltas} text deltas each`,
    firstLoadMs: { list: round(t.list, 1), plainReads: round(t.plainList, 1) },
    openOneRunMs: { store: round(t.open, 2), plainReads: round(t.plainOpen, 2) },
    ratio: { listVsPlain: round(t.list / t.plainList), openVsPlain: round(t.open / t.plainOpen) },
    paired: { listVsPlain: roundRatio(rounds.list, rounds.plainList), openVsPlain: roundRatio(rounds.open, rounds.plainOpen) },
  };
}

export async function benchHistory() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-bench-history-'));
  try {
    return { write: await writes(root, 2000, 500), read: await reads(root, 500, 200) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) void benchHistory().then((r) => console.log(JSON.stringify(r, null, 2)));

/** Listing and opening alone (what the gate measures): a history of 500 runs. */
export async function benchHistoryReads() {
  const root = mkdtempSync(path.join(os.tmpdir(), 'agent-relay-bench-history-'));
  try {
    return await reads(root, 500, 200);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
