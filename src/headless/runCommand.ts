import * as path from 'node:path';
import type { RunOutcome } from '../core/agents/events';
import { isRunId } from '../core/history/historyRecord';
import { createRun } from '../core/run/assembly';
import { continueConversation, turnFacts, type AgentShape } from '../core/run/conversation';
import { folderWorkspaceId } from './cacheCommand';
import type { AgentRun } from '../core/run/agentRun';
import { UserInputError } from '../core/run/prompt';
import type { CliArgs } from './args';
import { humanPrinter, jsonPrinter } from './output';
import { EXIT, exitCodeFor, HeadlessSession } from './session';

/** `run --agent ID PROMPT`: one run, streamed; returns the exit code. */
export async function runCommand(args: Extract<CliArgs, { command: 'run' }>): Promise<number> {
  const session = new HeadlessSession(args);
  if (args.continueFrom !== undefined) return continueCommand(session, args, args.continueFrom);
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

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
