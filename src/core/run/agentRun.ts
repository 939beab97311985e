import { randomUUID } from 'node:crypto';
import type { AgentEvent, RunOutcome, SeqEvent } from '../agents/events';
import type { AgentProvider, ProviderTimings, RunRequest } from '../agents/provider';
import type { RunMetricsRecord } from '../history/historyRecord';
import { nullLogger, type Logger } from '../log';
import { ForwardingMeter, wallClock } from '../metrics/forwarding';
import type { TurnOf } from './conversation';

export type RunState = 'queued' | 'running' | 'finished';

/** What a run is about, for people: set when it is created. */
export interface RunLabel {
  agentName: string;
  /** The user's words (without attached context). */
  prompt: string;
  /** Label of the attached context ("src/app.ts:10-24"). */
  context?: string;
  /** Set on a turn of a conversation (the first turn has it too once it is continued from the start). */
  conversation?: TurnOf;
  /** One of several agents asked the same prompt at once ("Run on Several Agents"): the group's id and this run's column. */
  group?: { groupId: string; index: number };
}

/** A run as plain data: what every view, the API and the history derive their shapes from. */
export interface RunRecord extends RunLabel {
  id: string;
  agentId: string;
  cwd: string;
  state: RunState;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  outcome?: RunOutcome;
}

export interface AgentRunOptions {
  /** 0 or undefined: no limit. Counted from start(), not from creation. */
  timeoutMs?: number;
  logger?: Logger;
  id?: string;
  label?: RunLabel;
  now?: () => number;
}

/** First-chunk latency and volume, for the log and benchmarks. */
export interface RunMetrics {
  /** From start to the first text/tool event. */
  firstOutputMs?: number;
  events: number;
  textChars: number;
  /** Roughly what the event log holds, in characters (for bounds on memory). */
  logChars: number;
  /** From being asked for to leaving the queue. */
  queueWaitMs?: number;
  /** What the provider measured (detection, spawn to first byte). */
  provider: ProviderTimings;
  /** From start to the response cache's answer (a hit, or a miss). */
  cacheLookupMs?: number;
  retries: number;
}

/** `receivedAt`: when the line that carried the event arrived (wallClock), for forwarding latency. */
type EventListener = (e: SeqEvent, receivedAt: number) => void;
type StateListener = (run: AgentRun) => void;

/**
 * One run of one agent, from the moment it is asked for. It waits `queued`
 * until `start()` (the run queue calls it), is `running` while the provider
 * works, and `finished` once its outcome is known; cancelling a queued run
 * finishes it without ever calling the provider. It owns the abort
 * controller, the timeout, its event log (dense sequence numbers from 1; the
 * last event is always `done`) and a list of things to dispose when it ends.
 */
export class AgentRun {
  readonly id: string;
  readonly createdAt: number;
  readonly done: Promise<RunOutcome>;
  readonly metrics: RunMetrics = { events: 0, textChars: 0, logChars: 0, provider: {}, retries: 0 };
  /** From each event's arrival to a panel having drawn it (the panel that shows the run acks what it drew). */
  readonly forwarding = new ForwardingMeter();
  readonly label: RunLabel;
  private stateValue: RunState = 'queued';
  private startedAtValue: number | undefined;
  private finishedAtValue: number | undefined;
  private readonly log: SeqEvent[] = [];
  /** Text (or thinking) deltas that arrived in this turn of the event loop, not yet in the log. */
  private pendingText: { type: 'text' | 'thinking'; parts: string[]; chars: number; at: number; receivedAt: number } | undefined;
  private flushScheduled = false;
  private readonly listeners = new Set<EventListener>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly cleanups: Array<() => void> = [];
  private readonly abort = new AbortController();
  private killProcess: (() => void) | undefined;
  private pidValue: number | undefined;
  private outcomeValue: RunOutcome | undefined;
  private readonly logger: Logger;
  private readonly now: () => number;
  private resolveDone!: (o: RunOutcome) => void;

  constructor(
    readonly provider: AgentProvider,
    readonly request: RunRequest,
    private readonly options: AgentRunOptions = {},
  ) {
    this.id = options.id ?? randomUUID();
    this.logger = options.logger ?? nullLogger;
    this.now = options.now ?? Date.now;
    this.createdAt = this.now();
    this.label = options.label ?? { agentName: provider.displayName, prompt: request.prompt };
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  get agentId(): string {
    return this.provider.id;
  }

  get state(): RunState {
    return this.stateValue;
  }

  get outcome(): RunOutcome | undefined {
    return this.outcomeValue;
  }

  /** Queued or running: not finished. */
  get isActive(): boolean {
    return this.stateValue !== 'finished';
  }

  /** When start() was called (undefined while queued). */
  get startedAt(): number | undefined {
    return this.startedAtValue;
  }

  /** Pid of the agent's root process while it runs (for tests and the log). */
  get pid(): number | undefined {
    return this.pidValue;
  }

  get lastSeq(): number {
    this.flushText();
    return this.log.length ? this.log[this.log.length - 1].seq : 0;
  }

  get record(): RunRecord {
    return {
      id: this.id,
      agentId: this.agentId,
      ...this.label,
      cwd: this.request.cwd,
      state: this.stateValue,
      createdAt: this.createdAt,
      startedAt: this.startedAtValue,
      finishedAt: this.finishedAtValue,
      outcome: this.outcomeValue,
    };
  }

  /** What the history keeps of the run's measurements (forwarding: what a panel acked so far). */
  metricsRecord(): RunMetricsRecord {
    const m = this.metrics;
    const secs = this.startedAtValue !== undefined && this.finishedAtValue !== undefined ? (this.finishedAtValue - this.startedAtValue) / 1000 : 0;
    const f = this.forwarding.latency.summary();
    const r = (n: number) => Math.round(n * 10) / 10;
    const out: RunMetricsRecord = {
      queueWaitMs: m.queueWaitMs,
      detectionMs: m.provider.detection?.ms,
      detectionCached: m.provider.detection?.cached,
      providerCreationMs: m.provider.creation?.ms,
      providerCached: m.provider.creation?.cached,
      spawnToFirstByteMs: m.provider.spawnToFirstByteMs,
      firstOutputMs: m.firstOutputMs,
      cacheLookupMs: m.cacheLookupMs,
      retries: m.retries,
      eventsPerSec: secs > 0 ? r(m.events / secs) : undefined,
      charsPerSec: secs > 0 ? r(m.textChars / secs) : undefined,
      forwardingP50Ms: f?.p50,
      forwardingP95Ms: f?.p95,
      forwardingP99Ms: f?.p99,
      forwardingEvents: f?.count,
    };
    for (const k of Object.keys(out) as Array<keyof RunMetricsRecord>) if (out[k] === undefined) delete out[k];
    return out;
  }

  /** Events with a sequence number greater than `seq` (0 = all). */
  eventsAfter(seq: number): SeqEvent[] {
    this.flushText();
    // seq n lives at index n-1: sequence numbers are dense and start at 1.
    return this.log.slice(Math.max(0, seq));
  }

  /** Subscribes to new events; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes to state changes (queued → running → finished); returns the unsubscribe function. */
  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Something to release when the run finishes (listeners, timers); at once if it already has. */
  addCleanup(cleanup: () => void): void {
    if (this.stateValue === 'finished') return void safely(cleanup, this.logger);
    this.cleanups.push(cleanup);
  }

  /** Starts the provider (once). Resolves with the outcome; a run cancelled while queued resolves at once. */
  start(): Promise<RunOutcome> {
    if (this.stateValue === 'queued') {
      this.startedAtValue = this.now();
      this.metrics.queueWaitMs = this.startedAtValue - this.createdAt;
      this.setState('running');
      void this.execute();
    }
    return this.done;
  }

  /**
   * Stops the run. Queued: it finishes as cancelled and never starts. Running:
   * the provider is aborted (graceful signal, then the process tree). Idempotent.
   */
  cancel(reason: 'cancelled' | 'timed-out' = 'cancelled'): void {
    if (this.stateValue === 'queued') {
      this.logger.info('cancelled while queued: nothing was started');
      this.finish({ status: 'cancelled', message: 'Cancelled before it started.', durationMs: 0 });
      return;
    }
    if (this.stateValue === 'running' && !this.abort.signal.aborted) {
      this.logger.info(`cancel requested (${reason})`);
      this.abort.abort(reason);
    }
  }

  /** Kills the process tree immediately and synchronously (window closing). */
  killNow(): void {
    this.cancel();
    this.killProcess?.();
  }

  /**
   * Adds an event to the log. Consecutive text (or thinking) deltas that
   * arrive in one turn of the event loop (one chunk of stdout or of an HTTP
   * stream) become one event, up to MAX_COALESCED characters: a long answer
   * is a few thousand events instead of hundreds of thousands, each with its
   * own objects. Sequence numbers stay dense and an event never changes once
   * numbered, so resuming after a seq is unaffected; the delay is one turn.
   */
  private append(event: AgentEvent): void {
    if (this.stateValue === 'finished') return; // nothing after done
    const at = this.startedAtValue === undefined ? 0 : this.now() - this.startedAtValue;
    const receivedAt = wallClock();
    this.metrics.events++;
    if (event.type === 'text') this.metrics.textChars += event.text.length;
    this.metrics.logChars += event.type === 'text' || event.type === 'thinking' ? event.text.length : event.type === 'tool-result' ? event.output.length + 64 : 128;
    if (this.metrics.firstOutputMs === undefined && (event.type === 'text' || event.type === 'tool-use')) this.metrics.firstOutputMs = at;
    if (event.type === 'retry') this.metrics.retries++;
    if (event.type === 'cache' && (event.status === 'hit' || event.status === 'miss') && this.metrics.cacheLookupMs === undefined) this.metrics.cacheLookupMs = at;
    if (event.type === 'text' || event.type === 'thinking') {
      const p = this.pendingText;
      if (p && (p.type !== event.type || p.chars + event.text.length > MAX_COALESCED)) this.flushText();
      if (this.pendingText) {
        this.pendingText.parts.push(event.text);
        this.pendingText.chars += event.text.length;
      } else {
        this.pendingText = { type: event.type, parts: [event.text], chars: event.text.length, at, receivedAt };
      }
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flushText();
        });
      }
      return;
    }
    this.flushText();
    this.push({ seq: this.log.length + 1, at, event }, receivedAt);
  }

  private flushText(): void {
    const p = this.pendingText;
    if (!p) return;
    this.pendingText = undefined;
    this.push({ seq: this.log.length + 1, at: p.at, event: { type: p.type, text: p.parts.length === 1 ? p.parts[0] : p.parts.join('') } }, p.receivedAt);
  }

  private push(entry: SeqEvent, receivedAt: number): void {
    this.log.push(entry);
    for (const l of this.listeners) safely(() => l(entry, receivedAt), this.logger);
  }

  private async execute(): Promise<void> {
    const timeoutMs = this.options.timeoutMs ?? 0;
    const timer = timeoutMs > 0 ? setTimeout(() => this.cancel('timed-out'), timeoutMs) : undefined;
    timer?.unref?.();
    let outcome: RunOutcome;
    try {
      outcome = await this.provider.run(this.request, {
        emit: (e) => this.append(e),
        signal: this.abort.signal,
        logger: this.logger,
        measure: (t) => Object.assign(this.metrics.provider, t),
        onProcess: (kill, pid) => {
          this.killProcess = kill;
          this.pidValue = pid;
        },
      });
    } catch (err) {
      // Providers should not throw; if one does, the run still ends cleanly.
      const message = err instanceof Error ? err.message : String(err);
      this.logger.error(`provider threw: ${err instanceof Error ? (err.stack ?? message) : message}`);
      this.append({ type: 'error', message });
      outcome = { status: 'failed', message, durationMs: this.now() - (this.startedAtValue ?? this.createdAt) };
    } finally {
      if (timer) clearTimeout(timer);
    }
    this.logger.info(
      `finished: ${outcome.status}${outcome.message ? ` (${outcome.message.split('\n')[0]})` : ''} in ${outcome.durationMs} ms; first output ${this.metrics.firstOutputMs ?? '-'} ms`,
    );
    this.finish(outcome);
  }

  private finish(outcome: RunOutcome): void {
    if (this.stateValue === 'finished') return;
    this.append({ type: 'done', outcome });
    this.outcomeValue = outcome;
    this.finishedAtValue = this.now();
    this.killProcess = undefined;
    this.setState('finished');
    this.listeners.clear();
    this.stateListeners.clear();
    for (const c of this.cleanups.splice(0)) safely(c, this.logger);
    this.resolveDone(outcome);
  }

  private setState(state: RunState): void {
    this.stateValue = state;
    for (const l of this.stateListeners) safely(() => l(this), this.logger);
  }
}

/** The most text one coalesced event holds (a message to the panel stays small). */
const MAX_COALESCED = 64 * 1024;

function safely(fn: () => void, logger: Logger): void {
  try {
    fn();
  } catch (err) {
    logger.error(`run listener failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
}
