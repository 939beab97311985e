import type { RunOutcome } from '../agents/events';
import type { RunContext, RunRequest } from '../agents/provider';
import { AnthropicStreamMapper } from './anthropicStream';
import { HttpAgentProvider } from './httpAgentProvider';
import { runSse } from './sseRun';

/** The Anthropic Messages API, streamed: one turn, no tool execution (the model's tool calls are shown). */
export class AnthropicProvider extends HttpAgentProvider {
  readonly id = 'anthropic';
  readonly displayName = 'Anthropic API';

  async run(request: RunRequest, ctx: RunContext): Promise<RunOutcome> {
    const key = await this.apiKey();
    if (!key) {
      const message = 'No Anthropic API key is set. Run "Agent Relay: Set API Key…" (headless: set ANTHROPIC_API_KEY).';
      ctx.emit({ type: 'error', message });
      return { status: 'failed', message, durationMs: 0 };
    }
    const body = {
      model: this.config.model,
      max_tokens: this.config.maxTokens,
      stream: true,
      ...(this.config.temperature !== undefined ? { temperature: this.config.temperature } : {}),
      ...(this.config.systemPrompt ? { system: this.config.systemPrompt } : {}),
      messages: this.messages(request, ctx),
    };
    return runSse(
      {
        client: this.client,
        path: 'v1/messages',
        body,
        headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
        providerName: 'the Anthropic API',
        httpError: (status, message) =>
          status === 401 || status === 403
            ? `The Anthropic API refused the API key (HTTP ${status}: ${message}). Set a valid key with "Agent Relay: Set API Key…".`
            : status === 429 || status === 529
              ? `The Anthropic API is busy or rate-limited (HTTP ${status}: ${message}). Try again in a moment.`
              : `The Anthropic API answered HTTP ${status}: ${message}`,
      },
      new AnthropicStreamMapper(ctx.emit, this.id),
      ctx,
      request,
    );
  }
}
