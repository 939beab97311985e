import type * as vscode from 'vscode';
import type { AgentEvent, EmitEvent, RunOutcome, SeqEvent } from '../core/agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../core/agents/provider';
import type { AgentRun, RunState } from '../core/run/agentRun';
import { runFolder } from './pickers';
import type { Relay } from './relay';

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
}

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

export function createApi(relay: Relay): AgentRelayApi {
  return {
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
  };
}
