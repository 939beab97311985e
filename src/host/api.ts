import type { RunOutcome, SeqEvent } from '../core/agents/events';
import { AGENTS, findAgent, unknownAgentMessage } from '../core/agents/registry';
import { runFolder } from './pickers';
import type { Relay, RunHandle } from './relay';

/** What `activate()` returns to other extensions (`vscode.extensions.getExtension(...).exports`). */
export interface AgentRelayApi {
  readonly apiVersion: 1;
  /** Agent ids this installation knows. */
  agents(): string[];
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

export type { RunHandle, RunOutcome, SeqEvent };

export function createApi(relay: Relay): AgentRelayApi {
  return {
    apiVersion: 1,
    agents: () => AGENTS.map((a) => a.id),
    async detect(agentId) {
      const spec = findAgent(agentId);
      if (!spec) throw new Error(unknownAgentMessage(agentId));
      const d = await relay.detect(spec, runFolder());
      return d.found
        ? { agentId, found: true, path: d.path, foundBy: d.foundBy, version: await d.version() }
        : { agentId, found: false, message: d.message };
    },
    getRun: (runId) => relay.getRun(runId),
    listRuns: () => relay.listRuns(),
  };
}
