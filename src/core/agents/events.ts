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
  | CacheEvent
  | { type: 'done'; outcome: RunOutcome };

/**
 * What the response cache did for this run. A `hit` comes first and is followed
 * by the stored events replayed; a `miss` may explain itself when a near entry
 * exists ("claude CLI version changed"); `stored`/`not-stored` come after the
 * run's own events, before `done`.
 */
export type CacheEvent =
  | { type: 'cache'; status: 'hit'; ageMs: number; savedMs?: number; savedTokens?: number; savedCostUsd?: number }
  | { type: 'cache'; status: 'miss'; reason: string }
  | { type: 'cache'; status: 'stored' }
  | { type: 'cache'; status: 'not-stored'; reason: string };

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
  /** Set when the run was answered from the response cache. */
  fromCache?: boolean;
}

/** An event as recorded in a run's log: numbered so consumers can resume and drop duplicates. */
export interface SeqEvent {
  seq: number;
  /** Milliseconds since the run started. */
  at: number;
  event: AgentEvent;
}

export type EmitEvent = (event: AgentEvent) => void;
