// Separate bundle (dist/httpProviders.js) with the HTTP providers, required on
// first use so that activation does not load it. A single CommonJS bundle
// would inline a dynamic import(), hence the separate entry.
import { AnthropicProvider } from './core/http/anthropicProvider';
import type { CreateHttpProvider } from './core/http/httpAgents';
import { OpenAiChatProvider } from './core/http/openaiChatProvider';

export const createHttpProvider: CreateHttpProvider = (id, config, apiKey) => {
  switch (id) {
    case 'anthropic':
      return new AnthropicProvider(config, apiKey);
    case 'openai':
      return new OpenAiChatProvider(config, apiKey);
  }
};
