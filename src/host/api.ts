import type * as vscode from 'vscode';
import type { AgentEvent, EmitEvent, RunOutcome, SeqEvent } from '../core/agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../core/agents/provider';
import { runFolder } from './pickers';
import type { Relay, RunHandle } from './relay';

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
  /** A run started in this window, by id (as returned by the "Run Agent…" command). */
  getRun(runId: string): RunHandle | undefined;
  /** Runs started in this window, oldest first. */
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

export type { AgentEvent, AgentProvider, EmitEvent, RunContext, RunHandle, RunOutcome, RunRequest, SeqEvent };

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
    getRun: (runId) => relay.getRun(runId),
    listRuns: () => relay.listRuns(),
  };
}
