// Separate bundle (dist/httpProviders.js) with the HTTP providers, required on
// first use so that activation does not load it. A single CommonJS bundle
// would inline a dynamic import(), hence the separate entry.
import type { AgentProvider } from './core/agents/provider';
import { AnthropicProvider } from './core/http/anthropicProvider';
import type { HttpAgentSpec, HttpProviderConfig } from './core/http/httpAgents';
import { OpenAiChatProvider } from './core/http/openaiChatProvider';

export type DisposableProvider = AgentProvider & { dispose(): void };

export function createHttpProvider(id: HttpAgentSpec['id'], config: HttpProviderConfig, apiKey: () => Promise<string | undefined>): DisposableProvider {
  switch (id) {
    case 'anthropic':
      return new AnthropicProvider(config, apiKey);
    case 'openai':
      return new OpenAiChatProvider(config, apiKey);
  }
}
