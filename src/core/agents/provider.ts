import type { AgentOptions } from './cliAgent';
import type { PriorTurn } from './priorTurns';
import type { EmitEvent, RunOutcome } from './events';
import type { Logger } from '../log';

export interface RunRequest {
  prompt: string;
  /** Working directory: the workspace folder. */
  cwd: string;
  options: AgentOptions;
  /**
   * A follow-up's earlier turns, oldest first. Model APIs send them as the
   * message history; CLI agents resume their session instead (`options.resume`).
   */
  history?: readonly PriorTurn[];
  /** Longest line (or SSE event) of agent output accepted, in characters (`agentRelay.run.maxLineMegabytes`); past it the run fails. */
  maxLineChars?: number;
}

export interface RunContext {
  emit: EmitEvent;
  /** Aborted with reason 'cancelled' or 'timed-out'. */
  signal: AbortSignal;
  logger: Logger;
  /** Tells the run which process tree it owns, so `deactivate` can kill it synchronously. */
  onProcess?(kill: () => void, pid: number | undefined): void;
  /** What the provider measured on the way (run metrics). */
  measure?(timings: ProviderTimings): void;
}

/** Timings only a provider sees. */
export interface ProviderTimings {
  /** Finding the agent's executable; `cached` when this window or process had found it before. */
  detection?: { ms: number; cached: boolean };
  /** Getting the provider instance: made now, or `cached` from an earlier run in this scope. */
  creation?: { ms: number; cached: boolean };
  /** From spawning the agent (an API: sending the request) to its first byte of output. */
  spawnToFirstByteMs?: number;
}

/**
 * The seam every agent plugs into: a run in, normalised events out. `run`
 * never rejects; failures are outcomes with a message a person can act on.
 */
export interface AgentProvider {
  readonly id: string;
  readonly displayName: string;
  run(request: RunRequest, context: RunContext): Promise<RunOutcome>;
}
