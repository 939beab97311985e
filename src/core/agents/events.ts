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
  | RetryEvent
  | WaitEvent
  | { type: 'done'; outcome: RunOutcome };

/**
 * An attempt failed for a transient reason (connection refused, HTTP 529, …)
 * before any answer came, and the run tries again after `delayMs`. Errors of
 * the failed attempt are folded into `reason` rather than shown as errors.
 */
export interface RetryEvent {
  type: 'retry';
  /** The attempt about to start (2 for the first retry). */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  reason: string;
}

/** The run waits before its request: for an API's rate limit (`agentRelay.<api>.requestsPerMinute`). */
export interface WaitEvent {
  type: 'waiting';
  reason: 'rate-limit';
  delayMs: number;
  /** What limits it, e.g. "60 requests a minute to http://localhost:11434/v1". */
  detail: string;
}

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
  /** HTTP status of the model API's error, when the agent reports one. */
  httpStatus?: number;
  /**
   * Set on a failure that may go away by itself (connection refused or reset,
   * DNS, HTTP 408/429/5xx/529, overloaded), when nothing of the answer had
   * arrived yet: trying again is safe. `afterMs` is what the server asked for
   * (Retry-After). Runs retry only such failures.
   */
  transient?: { reason: string; afterMs?: number };
  /** Attempts made (when more than one). */
  attempts?: number;
  /** A follow-up failed because the agent no longer has the session it was to resume. */
  sessionLost?: boolean;
}

/** An event as recorded in a run's log: numbered so consumers can resume and drop duplicates. */
export interface SeqEvent {
  seq: number;
  /** Milliseconds since the run started. */
  at: number;
  event: AgentEvent;
}

export type EmitEvent = (event: AgentEvent) => void;
