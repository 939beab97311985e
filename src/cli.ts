// Headless Agent Relay: the same core as the extension, without VS Code.
//   agent-relay run --agent claude [--json] [--cwd DIR] [options] PROMPT...
//   agent-relay batch tasks.jsonl [--max-concurrent N] [--json]
//   agent-relay runs list|show, worktrees list|apply|discard, agents, cache stats|verify|clear
import { agentsCommand } from './headless/agentsCommand';
import { parseCliArgs, USAGE, type CliArgs } from './headless/args';
import { batchCommand } from './headless/batchCommand';
import { runCacheCommand } from './headless/cacheCommand';
import { runCommand } from './headless/runCommand';
import { metricsCommand, runsCommand } from './headless/runsCommand';
import { worktreesCommand } from './headless/worktreesCommand';
import { EXIT } from './headless/session';

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  switch (args.command) {
    case 'help':
      process.stdout.write(USAGE);
      return EXIT.ok;
    case 'agents':
      return agentsCommand(args.json);
    case 'cache':
      return runCacheCommand(args);
    case 'runs':
      return runsCommand(args);
    case 'run':
      return runCommand(args);
    case 'batch':
      return batchCommand(args);
    case 'worktrees':
      return worktreesCommand(args);
    case 'metrics':
      return metricsCommand(args);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`agent-relay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
  },
);
