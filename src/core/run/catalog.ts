import { HTTP_AGENTS, type HttpAgentSpec } from '../http/httpAgents';
import type { CliAgentSpec } from '../agents/cliAgent';
import type { AgentProvider } from '../agents/provider';
import { AGENTS } from '../agents/registry';
import { checkAgentId } from './runSpec';

/** Every kind of agent Agent Relay can run. */
export type AgentEntry =
  | { kind: 'cli'; id: string; displayName: string; spec: CliAgentSpec }
  | { kind: 'http'; id: string; displayName: string; spec: HttpAgentSpec }
  | { kind: 'external'; id: string; displayName: string; provider: AgentProvider; owner?: string };

/**
 * The built-in agents (CLIs, then model APIs) and the providers other
 * extensions registered, in picker order. Ids are unique across all of them.
 */
export class AgentCatalog {
  private readonly builtIn: readonly AgentEntry[] = [
    ...AGENTS.map((spec): AgentEntry => ({ kind: 'cli', id: spec.id, displayName: spec.displayName, spec })),
    ...HTTP_AGENTS.map((spec): AgentEntry => ({ kind: 'http', id: spec.id, displayName: spec.displayName, spec })),
  ];
  private readonly external = new Map<string, AgentEntry & { kind: 'external' }>();

  all(): AgentEntry[] {
    return [...this.builtIn, ...this.external.values()];
  }

  find(id: string): AgentEntry | undefined {
    return this.builtIn.find((a) => a.id === id) ?? this.external.get(id);
  }

  /** Adds another extension's provider; returns the function that removes it. Throws on a taken or malformed id. */
  register(provider: AgentProvider, owner?: string): () => void {
    if (!provider || typeof provider.run !== 'function') throw new TypeError('A provider needs an id, a displayName and a run(request, context) function.');
    checkAgentId(provider.id);
    if (this.find(provider.id)) throw new Error(`An agent with the id "${provider.id}" is already registered.`);
    const entry = { kind: 'external' as const, id: provider.id, displayName: provider.displayName || provider.id, provider, owner };
    this.external.set(provider.id, entry);
    return () => {
      if (this.external.get(provider.id) === entry) this.external.delete(provider.id);
    };
  }

  unknownMessage(id: string): string {
    return `Unknown agent "${id}". Known agents: ${this.all()
      .map((a) => a.id)
      .join(', ')}.`;
  }
}
