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
  /** Install locations specific to this CLI (the shared npm/version-manager ones are added by the locator). */
  knownLocations(home: string, env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform): string[];
  invocation(prompt: string, options: AgentOptions): Invocation;
  createParser(emit: EmitEvent): StreamParser;
}

/** The requested permission mode, or the agent's safe default; throws for a mode the agent does not offer. */
export function checkPermissionMode(spec: Pick<CliAgentSpec, 'displayName' | 'permissionModes' | 'defaultPermissionMode'>, mode: string | undefined): string {
  const value = mode || spec.defaultPermissionMode;
  if (!spec.permissionModes.some((m) => m.value === value)) {
    throw new Error(`Unsupported ${spec.displayName} permission mode "${value}"; use one of ${spec.permissionModes.map((m) => m.value).join(', ')}.`);
  }
  return value;
}
