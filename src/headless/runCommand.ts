import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { groupRow, groupTable, markBest } from '../core/run/groupSummary';
import type { RunOutcome } from '../core/agents/events';
import { isRunId } from '../core/history/historyRecord';
import { createRun } from '../core/run/assembly';
import { continueConversation, turnFacts, type AgentShape } from '../core/run/conversation';
import { folderWorkspaceId } from './cacheCommand';
import type { AgentRun } from '../core/run/agentRun';
import { UserInputError } from '../core/run/prompt';
import type { CliArgs } from './args';
import { humanPrinter, jsonPrinter, out } from './output';
import { EXIT, exitCodeFor, HeadlessSession } from './session';

/** `run --agent ID PROMPT`: one run, streamed; returns the exit code. */
export async function runCommand(args: Extract<CliArgs, { command: 'run' }>): Promise<number> {
  const session = new HeadlessSession(args);
  if (args.continueFrom !== undefined) return continueCommand(session, args, args.continueFrom);
  if (args.agent.includes(',')) return severalAgents(session, args);
  const agent = session.catalog.find(args.agent);
  if (!agent) {
    process.stderr.write(`${session.catalog.unknownMessage(args.agent)}\n`);
    return EXIT.usage;
  }
  const prompt = args.prompt ?? (process.stdin.isTTY ? '' : await readStdin());
  let run: AgentRun;
  try {
    run = session.registry.submit(createRun(session.runSpec(agent, prompt), session.services));
  } catch (err) {
    if (err instanceof UserInputError) {
      process.stderr.write(`${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  run.onEvent(args.json ? jsonPrinter() : humanPrinter());
  // Ctrl-C: stop the agent cleanly first; a second Ctrl-C kills the tree at once.
  let interrupts = 0;
  process.on('SIGINT', () => (++interrupts === 1 ? run.cancel() : run.killNow()));
  const outcome = await run.done;
  await session.close();
  return exitCodeFor(outcome);
}

/**
 * `run --continue RUN_ID PROMPT`: the next turn of the conversation RUN_ID is
 * part of, from this folder's history: the agent resumes its own session (a
 * cached turn's session is forked, or the turn asked again first, as in VS
 * Code), a model API gets the history. Streams what runs; returns the exit code.
 */
async function continueCommand(session: HeadlessSession, args: Extract<CliArgs, { command: 'run' }>, runId: string): Promise<number> {
  const history = session.history.workspace(folderWorkspaceId(path.resolve(args.cwd)));
  const named = isRunId(runId) ? await history.get(runId) : undefined;
  if (!named) {
    process.stderr.write(`No run ${JSON.stringify(runId).slice(0, 80)} in the history of ${path.resolve(args.cwd)} (see "runs list"; --cwd names the folder it ran in).\n`);
    return EXIT.usage;
  }
  const conversationId = named.conversationId ?? named.id;
  const first = conversationId === named.id ? named : await history.get(conversationId);
  if (!first) {
    process.stderr.write(`The first turn of this conversation (${conversationId}) is not in the history any more, so it cannot be continued.\n`);
    return EXIT.failed;
  }
  const agent = session.catalog.find(first.agentId);
  if (!agent) {
    process.stderr.write(`${session.catalog.unknownMessage(first.agentId)}\n`);
    return EXIT.usage;
  }
  const prompt = args.prompt ?? (process.stdin.isTTY ? '' : await readStdin());
  if (!prompt.trim()) {
    process.stderr.write('--continue needs the follow-up: a PROMPT, or - to read it from stdin.\n');
    return EXIT.usage;
  }
  const records = [first, ...(await history.list()).records.filter((r) => r.conversationId === conversationId)].sort((a, b) => (a.turn ?? 1) - (b.turn ?? 1));
  const facts = await Promise.all(records.map(async (r) => turnFacts(r.id, r.fullPrompt, ((await history.readEvents(r.id)) ?? []).map((e) => e.event), r.replaces)));
  const shape: AgentShape = agent.kind === 'cli' ? { kind: 'cli', displayName: agent.displayName, canFork: agent.spec.canFork } : { kind: 'api', displayName: agent.displayName };
  const print = args.json ? jsonPrinter() : humanPrinter();
  let next = (records[records.length - 1].turn ?? 1) + 1;
  let current: AgentRun | undefined;
  let interrupts = 0;
  let cancelled = false;
  process.on('SIGINT', () => {
    cancelled = true;
    if (++interrupts === 1) current?.cancel();
    else current?.killNow();
  });
  let outcome: RunOutcome | undefined;
  try {
    await continueConversation(
      shape,
      facts,
      prompt,
      async (req) => {
        if (cancelled) throw new UserInputError('Cancelled.');
        const words = req.replaces ? (records.find((r) => (r.turn ?? 1) === req.replaces)?.prompt ?? req.prompt) : prompt;
        const spec = session.runSpec(agent, req.prompt, { cwd: first.cwd });
        spec.title = { prompt: words };
        if (req.noCache && spec.cache === 'use') spec.cache = 'bypass';
        spec.conversation = { conversationId, turn: next++, replaces: req.replaces, note: req.note, history: req.history };
        if (req.resume) spec.cli!.options.resume = req.resume;
        if (req.note) process.stderr.write(`agent-relay: ${req.note}\n`);
        const run = (current = session.registry.submit(createRun(spec, session.services)));
        run.onEvent(print);
        outcome = await run.done;
        return turnFacts(run.id, run.request.prompt, run.eventsAfter(0).map((e) => e.event), req.replaces);
      },
      (message) => new UserInputError(message),
    );
  } catch (err) {
    if (!(err instanceof UserInputError)) throw err;
    process.stderr.write(`${err.message}\n`);
    await session.close();
    return outcome ? exitCodeFor(outcome) || EXIT.failed : EXIT.failed;
  }
  await session.close();
  return exitCodeFor(outcome!);
}

/**
 * `run --agent claude,codex,anthropic PROMPT`: one prompt, several agents at
 * once under --max-concurrent (a group). Each answer is printed under its
 * agent's name as it finishes (`--json`: every event line tagged with its
 * agent), then the summary. An unknown agent or a refused option runs
 * nothing. Exits 0 when all succeeded, 1 when any did not.
 */
async function severalAgents(session: HeadlessSession, args: Extract<CliArgs, { command: 'run' }>): Promise<number> {
  const ids = args.agent.split(',').map((a) => a.trim()).filter(Boolean);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup || ids.length < 2) {
    process.stderr.write(dup ? `--agent names ${dup} twice.\n` : '--agent needs two or more agents separated by commas.\n');
    return EXIT.usage;
  }
  const prompt = args.prompt ?? (process.stdin.isTTY ? '' : await readStdin());
  const groupId = randomUUID();
  const runs: AgentRun[] = [];
  const problems: string[] = [];
  ids.forEach((id, index) => {
    const agent = session.catalog.find(id);
    if (!agent) return void problems.push(session.catalog.unknownMessage(id));
    try {
      const spec = session.runSpec(agent, prompt);
      spec.group = { groupId, index };
      runs.push(createRun(spec, session.services));
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      problems.push(`${agent.displayName}: ${err.message}`);
    }
  });
  if (problems.length) {
    process.stderr.write(`Nothing was run.\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    return EXIT.usage;
  }
  const finished = runs.map((run) => {
    let answer = '';
    const notes: string[] = [];
    run.onEvent(args.json ? jsonPrinter({ agent: run.agentId }) : humanPrinter((t) => (answer += t), (l) => notes.push(l)));
    session.registry.submit(run);
    return run.done.then((outcome) => {
      if (args.json) return;
      process.stderr.write(`\n── ${run.label.agentName} · ${outcome.status}\n${notes.join('\n')}${notes.length ? '\n' : ''}`);
      if (answer) out(`${answer}${answer.endsWith('\n') ? '' : '\n'}`);
    });
  });
  let interrupts = 0;
  process.on('SIGINT', () => {
    const first = ++interrupts === 1;
    for (const run of runs) (first ? run.cancel() : run.killNow());
  });
  await Promise.all(finished);
  await session.close();
  const rows = markBest(runs.map((run) => groupRow({ ...run.record, agentName: run.label.agentName, firstOutputMs: run.metrics.firstOutputMs }, run.eventsAfter(0).map((e) => e.event))));
  if (args.json) for (const r of rows) out(`${JSON.stringify({ agent: r.agentId, summary: r })}\n`);
  else out(`\n${groupTable(rows)}\n`);
  return rows.every((r) => r.status === 'succeeded') ? EXIT.ok : EXIT.failed;
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
