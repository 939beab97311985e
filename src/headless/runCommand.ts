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
import type { AgentEntry } from '../core/run/catalog';
import { checkRunSpec, type RunSpec } from '../core/run/runSpec';
import { formatDiffStat, mayEdit, prepareGroupWorktrees } from '../core/run/groupWorktrees';
import type { DiffStat } from '../core/worktrees/worktrees';
import type { CliArgs } from './args';
import { humanPrinter, jsonPrinter, out } from './output';
import { EXIT, exitCodeFor, HeadlessSession } from './session';

/** Finished worktrees not applied or discarded go after this long (the next group's clean-up removes them). */
export const WORKTREE_RETENTION_MS = 7 * 24 * 3600_000;

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
  const items: Array<{ agent: AgentEntry; spec: RunSpec; runId: string }> = [];
  const problems: string[] = [];
  ids.forEach((id, index) => {
    const agent = session.catalog.find(id);
    if (!agent) return void problems.push(session.catalog.unknownMessage(id));
    try {
      const spec = session.runSpec(agent, prompt);
      spec.group = { groupId, index };
      checkRunSpec(spec);
      items.push({ agent, spec, runId: randomUUID() });
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      problems.push(`${agent.displayName}: ${err.message}`);
    }
  });
  const editing = items.filter((i) => mayEdit(i.agent, i.spec));
  if (editing.length && !args.worktrees) {
    problems.push(`${editing.map((i) => i.agent.displayName).join(', ')} may edit files in ${editing.length === 1 ? 'its' : 'their'} permission mode, and several agents editing one folder would overwrite each other: add --worktrees to give each its own git worktree, or use read-only modes.`);
  }
  let worktrees: Awaited<ReturnType<typeof prepareGroupWorktrees>> | undefined;
  if (!problems.length && editing.length) {
    try {
      worktrees = await prepareGroupWorktrees(items, path.resolve(args.cwd), session.worktrees, { retentionMs: WORKTREE_RETENTION_MS });
    } catch (err) {
      if (!(err instanceof UserInputError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) {
    process.stderr.write(`Nothing was run.\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
    return EXIT.usage;
  }
  const runs: AgentRun[] = [];
  const entries = worktrees?.entries ?? items.map(() => undefined);
  const specs = worktrees?.specs ?? items.map((i) => i.spec);
  items.forEach((item, i) => {
    runs.push(createRun(specs[i], session.services, item.runId));
    if (entries[i]) session.homeFolders.set(item.runId, item.spec.cwd);
  });
  if (worktrees) process.stderr.write(`Worktrees at a snapshot of ${path.resolve(args.cwd)} for ${editing.map((i) => i.agent.displayName).join(', ')}; ignored files (node_modules, .env…) are not in them.\n`);
  const renew = worktrees ? setInterval(() => void session.worktrees.renew().catch(() => undefined), 5 * 60_000) : undefined;
  renew?.unref();
  const stats = new Map<string, DiffStat>();
  const finished = runs.map((run, i) => {
    let answer = '';
    const notes: string[] = [];
    run.onEvent(args.json ? jsonPrinter({ agent: run.agentId }) : humanPrinter((t) => (answer += t), (l) => notes.push(l)));
    session.registry.submit(run);
    return run.done.then(async (outcome) => {
      const entry = entries[i];
      if (entry) {
        await session.worktrees.finished(run.id);
        stats.set(run.id, await session.worktrees.diffStat(entry).catch(() => ({ files: [], added: 0, deleted: 0 })));
      }
      if (args.json) return;
      const stat = stats.get(run.id);
      const where = entry && stat ? ` · ${formatDiffStat(stat)} in ${entry.path} (agent-relay worktrees apply|discard ${run.id})` : '';
      process.stderr.write(`\n── ${run.label.agentName} · ${outcome.status}${where}\n${notes.join('\n')}${notes.length ? '\n' : ''}`);
      if (answer) out(`${answer}${answer.endsWith('\n') ? '' : '\n'}`);
    });
  });
  let interrupts = 0;
  process.on('SIGINT', () => {
    const first = ++interrupts === 1;
    for (const run of runs) (first ? run.cancel() : run.killNow());
  });
  await Promise.all(finished);
  if (renew) clearInterval(renew);
  await session.close();
  const rows = markBest(
    runs.map((run) => ({
      ...groupRow({ ...run.record, agentName: run.label.agentName, firstOutputMs: run.metrics.firstOutputMs }, run.eventsAfter(0).map((e) => e.event)),
      filesChanged: stats.get(run.id)?.files.length,
    })),
  );
  const worktreeOf = (i: number) => {
    const entry = entries[i];
    const stat = stats.get(runs[i].id);
    return entry && { runId: runs[i].id, path: entry.path, branch: entry.branch, files: stat?.files.map((f) => f.path) ?? [], added: stat?.added ?? 0, deleted: stat?.deleted ?? 0 };
  };
  if (args.json) rows.forEach((r, i) => out(`${JSON.stringify({ agent: r.agentId, summary: r, ...(entries[i] ? { worktree: worktreeOf(i) } : {}) })}\n`));
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
