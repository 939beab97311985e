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
