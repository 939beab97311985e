import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentEvent, RunOutcome } from '../core/agents/events';
import { createRun } from '../core/run/assembly';
import type { AgentRun } from '../core/run/agentRun';
import { UserInputError } from '../core/run/prompt';
import type { CliArgs } from './args';
import { humanPrinter, jsonPrinter, out } from './output';
import { EXIT, HeadlessSession } from './session';
import { textTable } from '../core/util/textTable';

/** One line of a batch file. */
export interface BatchTask {
  /** 1-based line number in the file, for messages. */
  line: number;
  agent: string;
  prompt: string;
  cwd?: string;
  model?: string;
}

const FIELDS = new Set(['agent', 'prompt', 'cwd', 'model']);

/**
 * The tasks of a batch file (JSON Lines, one task a line, blank lines
 * allowed), or every problem with their line numbers: a file with any
 * problem runs nothing. A relative `cwd` means the batch file's folder.
 */
export function parseBatch(text: string, baseDir: string): { tasks: BatchTask[]; errors: string[] } {
  const tasks: BatchTask[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      errors.push(`line ${line}: not JSON (${(err as Error).message})`);
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      errors.push(`line ${line}: a task is a JSON object like {"agent": "claude", "prompt": "…"}`);
      return;
    }
    const o = value as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !FIELDS.has(k));
    if (unknown.length) errors.push(`line ${line}: unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')} (a task has agent, prompt, cwd and model)`);
    for (const k of ['agent', 'prompt'] as const) if (typeof o[k] !== 'string' || !(o[k] as string).trim()) errors.push(`line ${line}: "${k}" must be a non-empty string`);
    for (const k of ['cwd', 'model'] as const) if (o[k] !== undefined && typeof o[k] !== 'string') errors.push(`line ${line}: "${k}" must be a string`);
    if (errors.length && errors[errors.length - 1].startsWith(`line ${line}:`)) return;
    tasks.push({ line, agent: o.agent as string, prompt: o.prompt as string, cwd: o.cwd === undefined ? undefined : path.resolve(baseDir, o.cwd as string), model: o.model as string | undefined });
  });
  if (!tasks.length && !errors.length) errors.push('the file has no tasks');
  return { tasks, errors };
}

/** What the summary says about one task. */
export interface TaskSummary {
  task: number;
  line: number;
  agent: string;
  status: RunOutcome['status'];
  durationMs: number;
  firstOutputMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
  cache?: 'hit' | 'stored' | 'miss';
  message?: string;
}

function summarise(task: number, line: number, run: AgentRun, outcome: RunOutcome): TaskSummary {
  const events = run.eventsAfter(0).map((e) => e.event);
  const usage = [...events].reverse().find((e): e is Extract<AgentEvent, { type: 'usage' }> => e.type === 'usage');
  const cacheEvents = events.filter((e): e is Extract<AgentEvent, { type: 'cache' }> => e.type === 'cache');
  const cache = cacheEvents.some((e) => e.status === 'hit') ? 'hit' : cacheEvents.some((e) => e.status === 'stored') ? 'stored' : cacheEvents.length ? 'miss' : undefined;
  return {
    task,
    line,
    agent: run.agentId,
    status: outcome.status,
    durationMs: outcome.durationMs,
    firstOutputMs: run.metrics.firstOutputMs,
    inputTokens: usage?.inputTokens,
    outputTokens: usage?.outputTokens,
    costUsd: usage?.costUsd,
    cache,
    message: outcome.status === 'succeeded' ? undefined : outcome.message?.split('\n')[0],
  };
}

/** The summary as a table for people. */
export function summaryTable(rows: readonly TaskSummary[]): string {
  const cells = rows.map((r) => [
    String(r.task),
    r.agent,
    r.status,
    `${(r.durationMs / 1000).toFixed(1)} s`,
    r.inputTokens !== undefined || r.outputTokens !== undefined ? `${r.inputTokens ?? '?'} in / ${r.outputTokens ?? '?'} out` : '',
    r.costUsd !== undefined ? `$${r.costUsd.toFixed(4)}` : '',
    r.cache ?? '',
    r.message ?? '',
  ]);
  return textTable(['task', 'agent', 'status', 'time', 'tokens', 'cost', 'cache', ''], cells);
}

/**
 * `batch FILE.jsonl`: every task through the same queue and retries as one
 * run, under --max-concurrent. A file with any malformed line, unknown agent
 * or prompt that must not queue runs nothing. Prints each answer as its task
 * ends (`--json`: every event line tagged with its task), then a summary per
 * task. Exits 1 when any task did not succeed.
 */
export async function batchCommand(args: Extract<CliArgs, { command: 'batch' }>): Promise<number> {
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch (err) {
    process.stderr.write(`Cannot read the batch file ${args.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return EXIT.usage;
  }
  const { tasks, errors } = parseBatch(text, path.dirname(path.resolve(args.file)));
  const session = new HeadlessSession(args);
  const runs: Array<{ task: BatchTask; run: AgentRun }> = [];
  for (const task of tasks) {
    const agent = session.catalog.find(task.agent);
    if (!agent) {
      errors.push(`line ${task.line}: ${session.catalog.unknownMessage(task.agent)}`);
      continue;
    }
    try {
      runs.push({ task, run: createRun(session.runSpec(agent, task.prompt, task), session.services) });
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      errors.push(`line ${task.line}: ${err.message}`);
    }
  }
  if (errors.length) {
    process.stderr.write(`${args.file}: nothing was run.\n${errors.map((e) => `  ${e}`).join('\n')}\n`);
    return EXIT.usage;
  }

  const summaries: TaskSummary[] = [];
  const finished = runs.map(({ task, run }, i) => {
    const n = i + 1;
    let answer = '';
    const notes: string[] = [];
    run.onEvent(args.json ? jsonPrinter({ task: n }) : humanPrinter((t) => (answer += t), (l) => notes.push(l)));
    session.registry.submit(run);
    return run.done.then((outcome) => {
      const summary = summarise(n, task.line, run, outcome);
      summaries.push(summary);
      if (!args.json) {
        process.stderr.write(`\n── task ${n} (line ${task.line}) · ${run.label.agentName} · ${outcome.status}\n${notes.join('\n')}\n`);
        if (answer) out(`${answer}${answer.endsWith('\n') ? '' : '\n'}`);
      }
    });
  });
  // Ctrl-C stops every task cleanly (queued ones never start); a second one kills the trees at once.
  let interrupts = 0;
  process.on('SIGINT', () => {
    const first = ++interrupts === 1;
    for (const { run } of runs) (first ? run.cancel() : run.killNow());
  });
  await Promise.all(finished);
  await session.close();

  summaries.sort((a, b) => a.task - b.task);
  if (args.json) for (const s of summaries) out(`${JSON.stringify({ task: s.task, summary: s })}\n`);
  else out(`\n${summaryTable(summaries)}\n`);
  return summaries.every((s) => s.status === 'succeeded') ? EXIT.ok : EXIT.failed;
}
