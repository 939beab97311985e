import { otlpMetricsUrl } from '../core/metrics/otlpConfig';
/** Options every command that runs agents takes (`run`, `batch`). */
export interface RunOptions {
  json: boolean;
  cwd: string;
  model?: string;
  permissionMode?: string;
  /** `--permission-mode AGENT=MODE`: one agent's mode (several agents each have their own modes). */
  permissionModes: Record<string, string>;
  /** Several agents: give each run that may edit its own git worktree. */
  worktrees: boolean;
  allowedTools: string[];
  agentPath?: string;
  baseUrl?: string;
  maxTokens: number;
  /** API agents' follow-ups: how much of the earlier turns is resent (0 = all). */
  maxHistoryTokens: number;
  timeoutSeconds: number;
  maxPromptKilobytes: number;
  verbose: boolean;
  /** Storage folder: the response cache and the run history (default: the user's cache folder for Agent Relay). */
  storage?: string;
  noCache: boolean;
  /** Runs at once. */
  maxConcurrent: number;
  retries: number;
  /** API agents: requests a minute to the base URL (0 = no limit). */
  requestsPerMinute: number;
  maxLineMegabytes: number;
  /** Send each run's metrics to this OTLP/HTTP collector (headers from OTEL_EXPORTER_OTLP_HEADERS). */
  otlpEndpoint?: string;
}

/** Command-line arguments of the headless CLI (pure, so unit tests can check them). */
export type CliArgs =
  | { command: 'help' }
  | { command: 'agents'; json: boolean }
  | { command: 'cache'; action: 'stats' | 'verify' | 'clear'; storage?: string; json: boolean; all: boolean; cwd: string }
  | ({ command: 'run'; agent: string; prompt?: string; continueFrom?: string } & RunOptions)
  | ({ command: 'batch'; file: string } & RunOptions)
  | { command: 'runs'; action: 'list' | 'show' | 'usage'; id?: string; storage?: string; json: boolean; csv?: boolean; cwd: string }
  | { command: 'worktrees'; action: 'list' | 'apply' | 'discard'; id?: string; storage?: string; json: boolean }
  | { command: 'metrics'; storage?: string; json: boolean; csv: boolean; cwd: string };

export const USAGE = `Usage:
  agent-relay run --agent ID [options] PROMPT...   run an agent, stream its answer
  agent-relay run --agent ID [options] -            read the prompt from stdin
  agent-relay run --agent ID,ID,... [options] PROMPT...
                                                    one prompt to several agents at once: each answer under
                                                    its agent's name, then a summary (fastest, cheapest)
  agent-relay run --continue RUN_ID [options] PROMPT...
                                                    follow up on an earlier run of this folder (--cwd): the
                                                    agent resumes its own session (see "runs list")
  agent-relay batch FILE.jsonl [options]            run many tasks under --max-concurrent; one task a line:
                                                    {"agent": "claude", "prompt": "…", "cwd": "…", "model": "…"}
  agent-relay runs list [--json] [--storage DIR]    earlier runs in this folder (--cwd), newest first
  agent-relay runs show ID [--json] [--storage DIR] one run's record and transcript
  agent-relay runs usage [--json|--csv]             tokens and reported cost per agent per day (cache hits apart)
  agent-relay run --agent ID,ID,... --worktrees [options] PROMPT...
                                                    the same, with each agent in an edit mode working in its
                                                    own git worktree at a snapshot of this folder's tree
  agent-relay worktrees list [--json]               those worktrees: run, agent, files changed
  agent-relay worktrees apply RUN_ID                bring that run's edits into the working tree (checked
                                                    first: on a conflict nothing changes), then remove it
  agent-relay worktrees discard RUN_ID              remove that run's worktree and branch
  agent-relay metrics [--json|--csv]                p50/p95/p99 per agent of what runs in this folder measured
                                                    (queue wait, detection, first byte and output, forwarding…)
  agent-relay agents [--json]                       show which agents are installed
  agent-relay cache stats|verify|clear [--storage DIR] [--json] [--all]
                                                    the response cache of this folder (--all: every folder)

Options for run and batch:
  --json                   print normalised events as JSON lines (batch: tagged with their task,
                           then one summary line per task)
  --cwd DIR                working folder (default: the current one; batch: for tasks without "cwd")
  --model NAME             model alias or id
  --permission-mode MODE   the agent's permission mode (default: its read-only mode; see "agents");
                           AGENT=MODE sets one agent's (repeatable), e.g. codex=workspace-write
  --worktrees              several agents: each in an edit mode runs in its own git worktree
  --allowed-tools RULE     allow a tool without asking (repeatable), e.g. "Bash(npm test)"
  --agent-path FILE        use this executable instead of searching for it
  --base-url URL           API agents (anthropic, openai): the server to call (default: ANTHROPIC_BASE_URL
                           or OPENAI_BASE_URL, else the official endpoint)
  --max-tokens N           API agents: answer length limit (default 4096)
  --max-history-tokens N   API agents, with --continue: resend at most this much of the earlier turns
                           (about 4 characters a token; default 32000, 0 = all)
  --timeout SECONDS        stop after this long (default 1800, 0 = none)
  --max-prompt-kb N        refuse larger prompts (default 512)
  --verbose                log to stderr
  --storage DIR            storage folder for the response cache and the run history
                           (default: your cache folder, e.g. ~/.cache/agent-relay)
  --no-cache               do not look up the response cache (the answer may still be stored)
  --retries N              retry transient failures (connection refused, HTTP 429/5xx/529) up to N times before
                           any answer arrived (default 2)
  --requests-per-minute N  API agents: at most N requests a minute to the base URL (default: no limit)
  --max-concurrent N       runs at once (default 3)
  --max-line-mb N          fail a run whose agent writes a line longer than N MB (default 64)
  --otlp-endpoint URL      send each run's metrics (no prompts, answers or paths) over OpenTelemetry,
                           OTLP/HTTP JSON, to this collector, e.g. http://localhost:4318; headers from
                           OTEL_EXPORTER_OTLP_HEADERS
The cache is keyed on this folder (the working directory or --cwd) and signed with
AGENT_RELAY_CACHE_SECRET, else a key file readable only by you beside the cache
(the weaker option: anyone who can read it can forge entries).
API agents read their key from ANTHROPIC_API_KEY or OPENAI_API_KEY.
Exit codes: 0 success, 1 failed (batch: any task failed), 2 usage error, 124 timed out, 130 cancelled.
`;

function defaults(): RunOptions {
  return {
    json: false,
    cwd: process.cwd(),
    allowedTools: [],
    permissionModes: {},
    worktrees: false,
    timeoutSeconds: 1800,
    maxTokens: 4096,
    maxHistoryTokens: 32000,
    maxPromptKilobytes: 512,
    verbose: false,
    noCache: false,
    maxConcurrent: 3,
    retries: 2,
    requestsPerMinute: 0,
    maxLineMegabytes: 64,
  };
}

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'agents') {
    const unknown = rest.find((a) => a !== '--json');
    if (unknown) throw new Error(`Unknown option ${unknown}.`);
    return { command: 'agents', json: rest.includes('--json') };
  }
  if (command === 'cache') return parseCacheArgs(rest);
  if (command === 'runs') return parseRunsArgs(rest);
  if (command === 'worktrees') return parseWorktreesArgs(rest);
  if (command === 'metrics') return parseMetricsArgs(rest);
  if (command !== 'run' && command !== 'batch') throw new Error(`Unknown command "${command}".`);

  const options = defaults();
  let agent = '';
  const words: string[] = [];
  let fromStdin = false;
  let continueFrom: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${arg} needs a value.`);
      return v;
    };
    const number = () => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new Error(`${arg} needs a non-negative number.`);
      return n;
    };
    switch (arg) {
      case '--agent': agent = value(); break;
      case '--continue': continueFrom = value(); break;
      case '--json': options.json = true; break;
      case '--cwd': options.cwd = value(); break;
      case '--model': options.model = value(); break;
      case '--permission-mode': {
        const v = value();
        const m = /^([a-z0-9][a-z0-9._-]{0,63})=(.+)$/.exec(v);
        if (m) options.permissionModes[m[1]] = m[2];
        else options.permissionMode = v;
        break;
      }
      case '--worktrees': options.worktrees = true; break;
      case '--allowed-tools': options.allowedTools.push(value()); break;
      case '--agent-path': options.agentPath = value(); break;
      case '--base-url': options.baseUrl = value(); break;
      case '--max-tokens': options.maxTokens = Math.max(1, Math.floor(number())); break;
      case '--max-history-tokens': options.maxHistoryTokens = Math.floor(number()); break;
      case '--timeout': options.timeoutSeconds = number(); break;
      case '--max-prompt-kb': options.maxPromptKilobytes = number(); break;
      case '--verbose': options.verbose = true; break;
      case '--storage': options.storage = value(); break;
      case '--no-cache': options.noCache = true; break;
      case '--retries': options.retries = Math.min(10, Math.floor(number())); break;
      case '--requests-per-minute': options.requestsPerMinute = number(); break;
      case '--max-concurrent': options.maxConcurrent = Math.max(1, Math.floor(number())); break;
      case '--max-line-mb': options.maxLineMegabytes = Math.max(1, number()); break;
      case '--otlp-endpoint': options.otlpEndpoint = otlpMetricsUrl(value()); break;
      case '-': fromStdin = true; break;
      case '--': words.push(...rest.slice(i + 1)); i = rest.length; break;
      default:
        if (arg.startsWith('--')) throw new Error(`Unknown option ${arg}.`);
        words.push(arg);
    }
  }
  if (command === 'batch') {
    if (agent) throw new Error('batch takes each task\'s agent from its line; --agent does not apply.');
    if (words.length !== 1) throw new Error('batch needs exactly one FILE.jsonl.');
    return { command: 'batch', file: words[0], ...options };
  }
  if (continueFrom !== undefined && command === 'run') {
    // The conversation says which agent it is with.
    if (agent) throw new Error('--continue takes the agent from the run it follows up on; leave out --agent.');
    return { command: 'run', agent: '', continueFrom, prompt: !fromStdin && words.length ? words.join(' ') : undefined, ...options };
  }
  if (continueFrom !== undefined) throw new Error('--continue applies to run, not batch.');
  if (!agent) throw new Error('--agent is required.');
  if (options.worktrees && !agent.includes(',')) throw new Error('--worktrees is for several agents (--agent a,b,…); one agent runs in the folder itself.');
  return { command: 'run', agent, prompt: !fromStdin && words.length ? words.join(' ') : undefined, ...options };
}

function parseCacheArgs(rest: readonly string[]): CliArgs {
  const [action, ...opts] = rest;
  if (action !== 'stats' && action !== 'verify' && action !== 'clear') throw new Error('cache needs stats, verify or clear.');
  const out: Extract<CliArgs, { command: 'cache' }> = { command: 'cache', action, json: false, all: false, cwd: process.cwd() };
  for (let i = 0; i < opts.length; i++) {
    const arg = opts[i];
    if (arg === '--json') out.json = true;
    else if (arg === '--all') out.all = true;
    else if (arg === '--storage' || arg === '--cwd') {
      const v = opts[++i];
      if (v === undefined) throw new Error(`${arg} needs a value.`);
      if (arg === '--storage') out.storage = v;
      else out.cwd = v;
    } else throw new Error(`Unknown option ${arg}.`);
  }
  return out;
}

function parseRunsArgs(rest: readonly string[]): CliArgs {
  const [action, ...opts] = rest;
  if (action !== 'list' && action !== 'show' && action !== 'usage') throw new Error('runs needs list, show or usage.');
  const out: Extract<CliArgs, { command: 'runs' }> = { command: 'runs', action, json: false, cwd: process.cwd() };
  for (let i = 0; i < opts.length; i++) {
    const arg = opts[i];
    if (arg === '--json') out.json = true;
    else if (arg === '--csv' && action === 'usage') out.csv = true;
    else if (arg === '--storage' || arg === '--cwd') {
      const v = opts[++i];
      if (v === undefined) throw new Error(`${arg} needs a value.`);
      if (arg === '--storage') out.storage = v;
      else out.cwd = v;
    } else if (arg.startsWith('--')) throw new Error(`Unknown option ${arg}.`);
    else if (action === 'show' && !out.id) out.id = arg;
    else throw new Error(`Unexpected argument ${arg}.`);
  }
  if (action === 'show' && !out.id) throw new Error('runs show needs a run id (see "runs list").');
  return out;
}

function parseWorktreesArgs(rest: readonly string[]): CliArgs {
  const [action, ...opts] = rest;
  if (action !== 'list' && action !== 'apply' && action !== 'discard') throw new Error('worktrees needs list, apply or discard.');
  const out: Extract<CliArgs, { command: 'worktrees' }> = { command: 'worktrees', action, json: false };
  for (let i = 0; i < opts.length; i++) {
    const arg = opts[i];
    if (arg === '--json') out.json = true;
    else if (arg === '--storage') {
      const v = opts[++i];
      if (v === undefined) throw new Error(`${arg} needs a value.`);
      out.storage = v;
    } else if (arg.startsWith('--')) throw new Error(`Unknown option ${arg}.`);
    else if (action !== 'list' && !out.id) out.id = arg;
    else throw new Error(`Unexpected argument ${arg}.`);
  }
  if (action !== 'list' && !out.id) throw new Error(`worktrees ${action} needs a run id (see "worktrees list").`);
  return out;
}

function parseMetricsArgs(rest: readonly string[]): CliArgs {
  const out: Extract<CliArgs, { command: 'metrics' }> = { command: 'metrics', json: false, csv: false, cwd: process.cwd() };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--json') out.json = true;
    else if (arg === '--csv') out.csv = true;
    else if (arg === '--storage' || arg === '--cwd') {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${arg} needs a value.`);
      if (arg === '--storage') out.storage = v;
      else out.cwd = v;
    } else throw new Error(`Unknown option ${arg}.`);
  }
  return out;
}
