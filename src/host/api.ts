import * as vscode from 'vscode';
import type { AgentEvent, EmitEvent, RunOutcome, SeqEvent } from '../core/agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../core/agents/provider';
import type { AgentRun, RunState } from '../core/run/agentRun';
import type { LatencySummary } from '../core/metrics/forwarding';
import type { RunMetricsRecord } from '../core/history/historyRecord';
import { runFolder } from './pickers';
import type { Relay } from './relay';
import { sendFollowUp } from './conversations';
import type { RunEntry } from './runsView';

/** What the public API hands out about a run: a view of the registry's run, never a copy. */
export interface RunHandle {
  readonly id: string;
  readonly agentId: string;
  readonly done: Promise<RunOutcome>;
  /** Root process id while the agent runs (CLI agents). */
  readonly pid: number | undefined;
  /** `queued` until the run queue starts it, then `running`, then `finished` (added in 0.2; version 1 callers may ignore it). */
  readonly state: RunState;
  /** The run's events so far (for a live run, everything; see docs/providers.md). */
  events(): readonly SeqEvent[];
  /** Stops the run; a queued run never starts. */
  cancel(): void;
  /**
   * What the run measured so far (added in 0.3): queue wait, detection (cold or
   * cached), provider creation (made or cached), spawn to first byte (an API: request to first byte), time to first output, cache lookup, retries,
   * throughput, and the forwarding latency to its panel (from each event's line
   * arriving in the host to the panel having drawn it; absent until a panel drew some).
   */
  metrics(): RunMetricsView;
}

export type RunMetricsView = RunMetricsRecord & {
  events: number;
  forwarding?: LatencySummary;
};

export function toHandle(run: AgentRun): RunHandle {
  return {
    id: run.id,
    agentId: run.agentId,
    done: run.done,
    get pid() {
      return run.pid;
    },
    get state() {
      return run.state;
    },
    events: () => run.eventsAfter(0),
    cancel: () => run.cancel(),
    metrics: () => ({ ...run.metricsRecord(), events: run.metrics.events, forwarding: run.forwarding.latency.summary() }),
  };
}

/** What `activate()` returns to other extensions (`vscode.extensions.getExtension(...).exports`). */
export interface AgentRelayApi {
  readonly apiVersion: 1;
  /** Agent ids this installation knows: built-in CLIs and APIs, then registered providers. */
  agents(): string[];
  /**
   * Adds an agent other extensions implement. It appears in "Run Agent…" and
   * the Agents view, and its runs stream into the same panel. Dispose to remove.
   * See docs/providers.md.
   */
  registerProvider(provider: AgentProvider): vscode.Disposable;
  /** Where an agent's CLI is and which version it reports. */
  detect(agentId: string): Promise<AgentDetection>;
  /** A run of this window, by id (as returned by the "Run Agent…" command); the newest finished runs are kept. */
  getRun(runId: string): RunHandle | undefined;
  /** Runs of this window (queued, running, and the newest finished ones), oldest first. */
  listRuns(): RunHandle[];
  /** The API of a given version; 2 adds the run history (docs/providers.md). Version 1 is this object. */
  getApi(version: 1): AgentRelayApi;
  getApi(version: 2): AgentRelayApiV2;
}

/** A run as version 2 of the API describes it: from this window's registry, or from the history. */
export interface RunSummary {
  id: string;
  agentId: string;
  agentName: string;
  prompt: string;
  context?: string;
  state: RunState;
  status?: RunOutcome['status'];
  createdAt: number;
  finishedAt?: number;
  durationMs?: number;
  inputTokens?: number;
  outputTokens?: number;
  /** Only when the agent reported it. */
  costUsd?: number;
  /** Whether the answer came from the response cache. */
  fromCache: boolean;
  /** A turn of a conversation after its first: the first turn's run id, and this turn's place (2, 3, …). */
  conversationId?: string;
  turn?: number;
  /** One of several agents asked one prompt at once (added in 0.3): the group's id and this run's column. */
  groupId?: string;
  groupIndex?: number;
}

/** Version 2: version 1's calls, with runs read from the registry and the run history (every window's, the headless CLI's). */
export interface AgentRelayApiV2 extends Omit<AgentRelayApi, 'apiVersion' | 'getRun' | 'listRuns' | 'getApi'> {
  readonly apiVersion: 2;
  /** Queued and running runs of this window, then finished runs from the history, newest first. */
  listRuns(): Promise<RunSummary[]>;
  getRun(runId: string): Promise<RunSummary | undefined>;
  /** A run's events after `afterSeq` (0: all), live or from the history; undefined when nobody has the run. */
  readEvents(runId: string, afterSeq?: number): Promise<SeqEvent[] | undefined>;
  /** The live handle of a run this window holds (version 1's RunHandle). */
  liveRun(runId: string): RunHandle | undefined;
  /** Fires when a run is added, changes state, or was written to or deleted from the history. */
  readonly onDidChangeRuns: vscode.Event<{ runId: string }>;
  /**
   * Sends a follow-up to the conversation a run belongs to, as its panel's reply
   * box does (the agent resumes its own session; a model API gets the history).
   * Resolves with the follow-up turn once it has finished; rejects with a
   * message a person can act on when it cannot be sent.
   */
  followUp(runId: string, prompt: string): Promise<RunSummary>;
}

export interface AgentDetection {
  agentId: string;
  found: boolean;
  path?: string;
  foundBy?: string;
  version?: string;
  message?: string;
}

export type { AgentEvent, AgentProvider, EmitEvent, RunContext, RunOutcome, RunRequest, SeqEvent };

function summary(e: RunEntry): RunSummary {
  return {
    id: e.id,
    agentId: e.agentId,
    agentName: e.agentName,
    prompt: e.prompt,
    context: e.context,
    state: e.state,
    status: e.status,
    createdAt: e.createdAt,
    finishedAt: e.finishedAt,
    durationMs: e.durationMs,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    costUsd: e.costUsd,
    fromCache: e.cache === 'hit',
    conversationId: e.conversationId,
    turn: e.turn,
    groupId: e.groupId,
    groupIndex: e.groupIndex,
  };
}

function createApiV2(relay: Relay, v1: AgentRelayApi): AgentRelayApiV2 {
  const changed = new vscode.EventEmitter<{ runId: string }>();
  relay.runs.onDidChange((c) => changed.fire({ runId: c.run.id }));
  relay.onDidChangeHistory((runId) => changed.fire({ runId }));
  const entries = async () => (relay.runsView ? relay.runsView.entries(false, false) : []);
  return {
    apiVersion: 2,
    agents: v1.agents,
    registerProvider: v1.registerProvider,
    detect: v1.detect,
    listRuns: async () => (await entries()).map(summary),
    getRun: async (runId) => {
      const e = (await entries()).find((x) => x.id === runId);
      return e && summary(e);
    },
    readEvents: async (runId, afterSeq = 0) => relay.runs.get(runId)?.eventsAfter(afterSeq) ?? relay.workspaceHistory()?.readEvents(runId, afterSeq),
    liveRun: (runId) => v1.getRun(runId),
    onDidChangeRuns: changed.event,
    followUp: async (runId, prompt) => {
      if (typeof runId !== 'string' || typeof prompt !== 'string') throw new TypeError('followUp(runId, prompt) takes two strings.');
      const turns = relay.runs.get(runId)?.label.conversation ?? (await relay.workspaceHistory().get(runId));
      const conversationId = (turns && 'conversationId' in turns && turns.conversationId) || runId;
      const run = await sendFollowUp(relay, conversationId, prompt);
      const e = (await entries()).find((x) => x.id === run.id);
      if (!e) throw new Error(`The follow-up ${run.id} is not in the registry or the history.`);
      return summary(e);
    },
  };
}

export function createApi(relay: Relay): AgentRelayApi {
  let v2: AgentRelayApiV2 | undefined;
  const v1: AgentRelayApi = {
    apiVersion: 1,
    agents: () => relay.catalog.all().map((a) => a.id),
    registerProvider: (provider) => relay.registerProvider(provider),
    async detect(agentId) {
      const agent = relay.catalog.find(agentId);
      if (!agent) throw new Error(relay.catalog.unknownMessage(agentId));
      // The API's messages are part of its contract, so they stay English (not the localised view text).
      switch (agent.kind) {
        case 'http': {
          const hasKey = await relay.keys.has(agent.id);
          const message = hasKey ? 'API key set' : agent.spec.apiKeyRequired ? 'no API key' : 'no API key (optional)';
          return { agentId, found: hasKey || !agent.spec.apiKeyRequired, message };
        }
        case 'external':
          return { agentId, found: true, message: agent.owner ? `from ${agent.owner}` : 'registered by an extension' };
      }
      const d = await relay.detect(agent.spec, runFolder());
      return d.found
        ? { agentId, found: true, path: d.path, foundBy: d.foundBy, version: await d.version() }
        : { agentId, found: false, message: d.message };
    },
    getRun: (runId) => {
      const run = relay.runs.get(runId);
      return run && toHandle(run);
    },
    listRuns: () => relay.runs.all().map(toHandle),
    getApi: ((version: 1 | 2) => (version === 2 ? (v2 ??= createApiV2(relay, v1)) : v1)) as AgentRelayApi['getApi'],
  };
  return v1;
}
