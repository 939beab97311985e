import { UserInputError } from '../util/userInputError';
import type { EmitEvent, RunOutcome } from './events';

/** What a finished agent process left behind, for the parser to judge. */
export interface ProcessEnd {
  exitCode: number | null;
  signal: string | null;
  /** Set when we stopped the process ourselves. */
  stoppedBy?: 'cancelled' | 'timed-out';
  /** Last part of stderr, for error messages. */
  stderrTail: string;
  durationMs: number;
}

/** Turns one CLI's machine-readable stdout into normalised events and, at the end, an outcome. */
export interface StreamParser {
  /** One JSON object from one stdout line. Unknown shapes are ignored, never fatal. */
  handle(line: Record<string, unknown>): void;
  /**
   * Optional fast path for the commonest raw line (a text delta), tried before
   * JSON.parse: handles the line and returns true only when it has exactly the
   * shape `handle` would see; anything else returns false and goes the long way.
   */
  handleRaw?(line: string): boolean;
  /**
   * Optional: a line that is not JSON. A CLI that exits right after writing a
   * line of megabytes can have it cut off (its stdout not flushed); the parser
   * may take what the line's start says. Returns whether it did.
   */
  handleCut?(line: string): boolean;
  /** Decides the outcome: the CLI's terminal event first, the exit code second. */
  finish(end: ProcessEnd): RunOutcome;
}

/** Per-run options a user chooses; each agent maps them onto its own flags. */
export interface AgentOptions {
  model?: string;
  permissionMode?: string;
  allowedTools?: readonly string[];
  /** Extra environment variables for the agent process. */
  environment?: Readonly<Record<string, string>>;
  /**
   * A follow-up turn: continue this session of the agent's own (the id its
   * `started` event reported, never "the latest session"). `fork` continues
   * it in a new session, which agents with `canFork` support.
   */
  resume?: { sessionId: string; fork?: boolean };
}

export interface Invocation {
  args: string[];
  /** Written to stdin, which is then closed: the CLIs read stdin to EOF before starting. */
  stdin: string;
  /** Variables to set (string) or remove (undefined) on top of the inherited environment. */
  env: Record<string, string | undefined>;
}

/** One of an agent's permission/approval modes, as the settings and the UI show it. */
export interface PermissionMode {
  value: string;
  description: string;
  /** The agent cannot change files or run mutating commands in this mode. */
  readOnly: boolean;
}

/** Everything Agent Relay knows about one agent CLI. */
export interface CliAgentSpec {
  id: string;
  displayName: string;
  /** Executable names to look for, without platform extensions. */
  binaryNames: readonly string[];
  /** npm package, for the install hint. */
  npmPackage: string;
  installHint: string;
  /** Modes offered in settings; never one that bypasses the CLI's own safety checks. */
  permissionModes: readonly PermissionMode[];
  /** The safe default: read-only where the CLI has such a mode. */
  defaultPermissionMode: string;
  /** Signal that asks the CLI to stop cleanly before its tree is killed. */
  gracefulSignal: NodeJS.Signals;
  /**
   * What the CLI reads besides the prompt and the workspace that can change
   * its answer: environment variable names and its own config and memory
   * files (absolute). The response cache keys on their values.
   */
  answerInputs(home: string, env: Readonly<Record<string, string | undefined>>, cwd: string): { env: readonly string[]; files: readonly string[] };
  /** Install locations specific to this CLI (the shared npm/version-manager ones are added by the locator). */
  knownLocations(home: string, env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform): string[];
  /** The command line for a run; throws a UserInputError for options that cannot be passed safely. */
  invocation(prompt: string, options: AgentOptions): Invocation;
  /**
   * Whether a command line of ours keeps the agent read-only: judged from what
   * is really passed (the mode flag, and no allow rules), never from settings.
   */
  isReadOnly(args: readonly string[]): boolean;
  createParser(emit: EmitEvent): StreamParser;
  /** Whether a resumed session can be continued in a new one (`resume.fork`). */
  canFork: boolean;
  /** What the CLI writes (stderr) when the session to resume is gone. */
  sessionLost: RegExp;
}

/**
 * A session id to resume, checked like a flag value and stricter still: the
 * ids the four CLIs use are UUIDs or `ses_…` words. It came from an agent's
 * output (or the cache, or a history file), so it is untrusted.
 */
export function sessionIdValue(agent: string, id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(id)) {
    throw new UserInputError(`Refusing to resume the ${agent} session ${JSON.stringify(id).slice(0, 80)}: a session id is letters, digits, "_" and "-".`);
  }
  return id;
}

/** The refusal of a fork an agent cannot do (callers plan around it: this is a bug guard). */
export function noFork(agent: string): never {
  throw new UserInputError(`${agent} cannot continue a session in a new one; ask the earlier turn again instead.`);
}

/**
 * A value for a flag, checked so the CLI cannot read it as a flag of its own
 * (`--model --dangerously-skip-permissions`): no leading `-`, no control
 * characters, not empty. Values are passed as `--flag=value` too, which every
 * CLI's parser reads as one argument.
 */
export function flagValue(what: string, value: string): string {
  if (!value.trim() || /^\s*-/.test(value) || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new UserInputError(`Refusing ${what} ${JSON.stringify(value).slice(0, 80)}: a value must not be empty, start with "-" or hold control characters (it would reach the agent's command line as something else).`);
  }
  return value;
}

/**
 * One allow rule: a tool name, optionally with a specifier in parentheses
 * (`Bash(npm test)`, `run_shell_command(git status)`, `mcp__server__tool`).
 * Lists in one value (`Bash Edit`, `Bash,Edit`) are refused: one rule per entry.
 */
export function allowRule(agent: string, rule: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]*(\([^()\u0000-\u001f]*\))?$/.test(rule)) {
    throw new UserInputError(
      `Refusing the ${agent} allowed-tool rule ${JSON.stringify(rule).slice(0, 80)}: write one tool per entry, as a name with an optional specifier in parentheses, e.g. "Bash(npm test)".`,
    );
  }
  return rule;
}

/** The value a command line gives `--flag=value` (the form we pass), or undefined. */
export function argValue(args: readonly string[], flag: string): string | undefined {
  const prefix = `${flag}=`;
  const found = args.filter((a) => a.startsWith(prefix));
  // Twice would be ambiguous: not ours, so not trusted.
  return found.length === 1 ? found[0].slice(prefix.length) : undefined;
}

/** The requested permission mode, or the agent's safe default; throws for a mode the agent does not offer. */
export function checkPermissionMode(spec: Pick<CliAgentSpec, 'displayName' | 'permissionModes' | 'defaultPermissionMode'>, mode: string | undefined): string {
  const value = mode || spec.defaultPermissionMode;
  if (!spec.permissionModes.some((m) => m.value === value)) {
    throw new UserInputError(`Unsupported ${spec.displayName} permission mode ${JSON.stringify(value).slice(0, 80)}; use one of ${spec.permissionModes.map((m) => m.value).join(', ')}.`);
  }
  return value;
}

/** Whether `mode` is one of the agent's read-only modes. */
export function isReadOnlyMode(spec: Pick<CliAgentSpec, 'permissionModes'>, mode: string | undefined): boolean {
  return spec.permissionModes.some((m) => m.value === mode && m.readOnly);
}
