import { createRun } from '../core/run/assembly';
import type { AgentRun } from '../core/run/agentRun';
import { UserInputError } from '../core/run/prompt';
import type { CliArgs } from './args';
import { humanPrinter, jsonPrinter } from './output';
import { EXIT, exitCodeFor, HeadlessSession } from './session';

/** `run --agent ID PROMPT`: one run, streamed; returns the exit code. */
export async function runCommand(args: Extract<CliArgs, { command: 'run' }>): Promise<number> {
  const session = new HeadlessSession(args);
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

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}
