/**
 * The normalised events every provider emits. Everything downstream (the panel,
 * the headless CLI, logs, later the cache) consumes only these, never a CLI's own
 * format, so a new agent is a new parser and nothing else.
 */
export type AgentEvent =
  | StartedEvent
  | { type: 'text'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'tool-use'; id: string; name: string; input: unknown }
  | { type: 'tool-result'; toolUseId: string; output: string; isError: boolean }
  | UsageEvent
  | { type: 'notice'; message: string }
  | { type: 'error'; message: string; detail?: string }
  | { type: 'done'; outcome: RunOutcome };

export interface StartedEvent {
  type: 'started';
  agentId: string;
  /** Model the agent reports it is using (not what we asked for). */
  model?: string;
  sessionId?: string;
  cwd?: string;
  /** Version the running binary reports about itself. */
  agentVersion?: string;
}

/** Totals for the whole run, as the agent reports them. */
export interface UsageEvent {
  type: 'usage';
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  costUsd?: number;
  durationMs?: number;
  turns?: number;
}

export type RunStatus = 'succeeded' | 'failed' | 'cancelled' | 'timed-out';

export interface RunOutcome {
  status: RunStatus;
  /** Human-readable reason when the run did not succeed. */
  message?: string;
  exitCode?: number | null;
  signal?: string | null;
  /** Wall-clock time from start to the end of the process. */
  durationMs: number;
  /** The agent's final answer, when it reports one. */
  result?: string;
}

/** An event as recorded in a run's log: numbered so consumers can resume and drop duplicates. */
export interface SeqEvent {
  seq: number;
  /** Milliseconds since the run started. */
  at: number;
  event: AgentEvent;
}

export type EmitEvent = (event: AgentEvent) => void;
