import type { RunOutcome } from '../agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../agents/provider';
import type { HttpProviderConfig } from './httpAgents';
import { HttpClient } from './httpClient';

/** What every model-API provider holds: its configuration, how to get its key, and one keep-alive client it releases on dispose. */
export abstract class HttpAgentProvider implements AgentProvider {
  abstract readonly id: string;
  abstract readonly displayName: string;
  protected readonly client: HttpClient;

  constructor(
    protected readonly config: HttpProviderConfig,
    protected readonly apiKey: () => Promise<string | undefined>,
  ) {
    this.client = new HttpClient(config.baseUrl, { direct: config.directConnections || undefined });
  }

  abstract run(request: RunRequest, ctx: RunContext): Promise<RunOutcome>;

  dispose(): void {
    this.client.dispose();
  }
}
