import type { RunOutcome } from '../agents/events';
import type { RunContext, RunRequest } from '../agents/provider';
import { HttpAgentProvider } from './httpAgentProvider';
import { OpenAiChatStreamMapper } from './openaiChatStream';
import { runSse } from './sseRun';

/**
 * Any OpenAI-compatible chat completions server (OpenAI, Ollama, LM Studio,
 * vLLM, llama.cpp server, OpenRouter), streamed, with usage on the last chunk.
 * The key is optional: local servers usually need none.
 */
export class OpenAiChatProvider extends HttpAgentProvider {
  readonly id = 'openai';
  readonly displayName = 'OpenAI-compatible API';

  async run(request: RunRequest, ctx: RunContext): Promise<RunOutcome> {
    const key = await this.apiKey();
    const messages = [...(this.config.systemPrompt ? [{ role: 'system', content: this.config.systemPrompt }] : []), ...this.messages(request, ctx)];
    const body = {
      model: this.config.model,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: this.config.maxTokens,
      ...(this.config.temperature !== undefined ? { temperature: this.config.temperature } : {}),
      messages,
    };
    return runSse(
      {
        client: this.client,
        path: 'chat/completions',
        body,
        headers: key ? { authorization: `Bearer ${key}` } : {},
        providerName: `the OpenAI-compatible server`,
        httpError: (status, message) =>
          status === 401 || status === 403
            ? `The server at ${this.config.baseUrl} refused the request (HTTP ${status}: ${message}). ${key ? 'Check the API key' : 'It needs an API key: run "Agent Relay: Set API Key…"'}.`
            : status === 404
              ? `The server at ${this.config.baseUrl} has no chat/completions endpoint or no model "${this.config.model}" (HTTP 404: ${message}). Check agentRelay.openai.baseUrl and agentRelay.openai.model.`
              : `The server at ${this.config.baseUrl} answered HTTP ${status}: ${message}`,
      },
      new OpenAiChatStreamMapper(ctx.emit, this.id),
      ctx,
      request,
    );
  }
}
