import type { RunOutcome } from '../agents/events';
import type { AgentProvider, RunContext, RunRequest } from '../agents/provider';
import { boundHistory, trimNotice } from '../agents/priorTurns';
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

  /**
   * The conversation as user/assistant messages, the follow-up last; earlier
   * turns beyond maxHistoryTokens are left out, and the panel is told.
   */
  protected messages(request: RunRequest, ctx: RunContext): { role: 'user' | 'assistant'; content: string }[] {
    const { turns, dropped } = boundHistory(request.history ?? [], this.config.maxHistoryTokens ?? 0);
    if (dropped) ctx.emit({ type: 'notice', message: trimNotice(dropped, turns.length, `agentRelay.${this.id}.maxHistoryTokens`) });
    return [
      // An empty answer (a failed turn) would be refused as an empty message.
      ...turns.flatMap((t) => [{ role: 'user' as const, content: t.prompt }, { role: 'assistant' as const, content: t.answer || '(no answer)' }]),
      { role: 'user', content: request.prompt },
    ];
  }

  dispose(): void {
    this.client.dispose();
  }
}
