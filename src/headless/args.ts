/** Command-line arguments of the headless CLI (pure, so unit tests can check them). */
export type CliArgs =
  | { command: 'help' }
  | { command: 'agents'; json: boolean }
  | { command: 'cache'; action: 'stats' | 'verify' | 'clear'; storage?: string; json: boolean; all: boolean; cwd: string }
  | {
      command: 'run';
      agent: string;
      prompt?: string;
      json: boolean;
      cwd: string;
      model?: string;
      permissionMode?: string;
      allowedTools: string[];
      agentPath?: string;
      baseUrl?: string;
      maxTokens: number;
      timeoutSeconds: number;
      maxPromptKilobytes: number;
      verbose: boolean;
      /** Cache folder (default: the user's cache folder for Agent Relay). */
      storage?: string;
      noCache: boolean;
      /** Runs at once (batches; one run needs one). */
      maxConcurrent: number;
      retries: number;
      /** API agents: requests a minute to the base URL (0 = no limit). */
      requestsPerMinute: number;
      maxLineMegabytes: number;
    };

export const USAGE = `Usage:
  agent-relay run --agent ID [options] PROMPT...   run an agent, stream its answer
  agent-relay run --agent ID [options] -            read the prompt from stdin
  agent-relay agents [--json]                       show which agents are installed
  agent-relay cache stats|verify|clear [--storage DIR] [--json] [--all]
                                                    the response cache of this folder (--all: every folder)

Options for run:
  --json                   print normalised events as JSON lines
  --cwd DIR                working folder (default: the current one)
  --model NAME             model alias or id
  --permission-mode MODE   the agent's permission mode (default: its read-only mode; see "agents")
  --allowed-tools RULE     allow a tool without asking (repeatable), e.g. "Bash(npm test)"
  --agent-path FILE        use this executable instead of searching for it
  --base-url URL           API agents (anthropic, openai): the server to call
  --max-tokens N           API agents: answer length limit (default 4096)
  --timeout SECONDS        stop after this long (default 1800, 0 = none)
  --max-prompt-kb N        refuse larger prompts (default 512)
  --verbose                log to stderr
  --storage DIR            response-cache folder (default: your cache folder, e.g. ~/.cache/agent-relay)
  --no-cache               do not look up the response cache (the answer may still be stored)
  --retries N              retry transient failures (connection refused, HTTP 429/5xx/529) up to N times before
                           any answer arrived (default 2)
  --requests-per-minute N  API agents: at most N requests a minute to the base URL (default: no limit)
  --max-concurrent N       runs at once (default 3)
  --max-line-mb N          fail a run whose agent writes a line longer than N MB (default 64)
The cache is keyed on this folder (the working directory or --cwd) and signed with
AGENT_RELAY_CACHE_SECRET, else a key file readable only by you beside the cache
(the weaker option: anyone who can read it can forge entries).
API agents read their key from ANTHROPIC_API_KEY or OPENAI_API_KEY.
Exit codes: 0 success, 1 failed, 2 usage error, 124 timed out, 130 cancelled.
`;

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'agents') {
    const unknown = rest.find((a) => a !== '--json');
    if (unknown) throw new Error(`Unknown option ${unknown}.`);
    return { command: 'agents', json: rest.includes('--json') };
  }
  if (command === 'cache') return parseCacheArgs(rest);
  if (command !== 'run') throw new Error(`Unknown command "${command}".`);

  const out: Extract<CliArgs, { command: 'run' }> = {
    command: 'run',
    agent: '',
    json: false,
    cwd: process.cwd(),
    allowedTools: [],
    timeoutSeconds: 1800,
    maxTokens: 4096,
    maxPromptKilobytes: 512,
    verbose: false,
    noCache: false,
    maxConcurrent: 3,
    retries: 2,
    requestsPerMinute: 0,
    maxLineMegabytes: 64,
  };
  const words: string[] = [];
  let fromStdin = false;
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
      case '--agent': out.agent = value(); break;
      case '--json': out.json = true; break;
      case '--cwd': out.cwd = value(); break;
      case '--model': out.model = value(); break;
      case '--permission-mode': out.permissionMode = value(); break;
      case '--allowed-tools': out.allowedTools.push(value()); break;
      case '--agent-path': out.agentPath = value(); break;
      case '--base-url': out.baseUrl = value(); break;
      case '--max-tokens': out.maxTokens = Math.max(1, Math.floor(number())); break;
      case '--timeout': out.timeoutSeconds = number(); break;
      case '--max-prompt-kb': out.maxPromptKilobytes = number(); break;
      case '--verbose': out.verbose = true; break;
      case '--storage': out.storage = value(); break;
      case '--no-cache': out.noCache = true; break;
      case '--retries': out.retries = Math.min(10, Math.floor(number())); break;
      case '--requests-per-minute': out.requestsPerMinute = number(); break;
      case '--max-concurrent': out.maxConcurrent = Math.max(1, Math.floor(number())); break;
      case '--max-line-mb': out.maxLineMegabytes = Math.max(1, number()); break;
      case '-': fromStdin = true; break;
      case '--': words.push(...rest.slice(i + 1)); i = rest.length; break;
      default:
        if (arg.startsWith('--')) throw new Error(`Unknown option ${arg}.`);
        words.push(arg);
    }
  }
  if (!out.agent) throw new Error('--agent is required.');
  if (!fromStdin && words.length) out.prompt = words.join(' ');
  return out;
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
