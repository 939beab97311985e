import type { AgentProvider } from '../agents/provider';

/**
 * The model APIs Agent Relay can call directly, as metadata only: the provider
 * code itself is a separate bundle loaded on first use (see src/httpProviders.ts),
 * so activation and CLI-only users do not pay for it.
 */
export interface HttpAgentSpec {
  id: 'anthropic' | 'openai';
  displayName: string;
  defaultBaseUrl: string;
  /** Canonical model name used when the setting is empty. */
  defaultModel: string;
  /** Whether requests need an API key (local OpenAI-compatible servers usually do not). */
  apiKeyRequired: boolean;
  /** Environment variable the headless CLI reads the key from. */
  apiKeyEnv: string;
  /** Environment variable the headless CLI takes the base URL from when --base-url is not given. */
  baseUrlEnv: string;
}

/** Settings of one HTTP provider; part of the provider cache key (the API key is not: it is read per request). */
export interface HttpProviderConfig {
  baseUrl: string;
  /** Provider model id, after translation. */
  model: string;
  maxTokens: number;
  temperature?: number;
  systemPrompt?: string;
  /** A follow-up sends at most this much of the earlier turns (`agentRelay.<api>.maxHistoryTokens`, ~4 characters a token); 0 = no bound. */
  maxHistoryTokens?: number;
  /** Use our own keep-alive connections even for remote hosts (skips VS Code's proxy support). Loopback always does. */
  directConnections?: boolean;
}

/** Makes an HTTP provider (src/httpProviders.ts, its own bundle); the host releases it with dispose(). */
export type CreateHttpProvider = (id: HttpAgentSpec['id'], config: HttpProviderConfig, apiKey: () => Promise<string | undefined>) => AgentProvider & { dispose(): void };

export const HTTP_AGENTS: readonly HttpAgentSpec[] = [
  { id: 'anthropic', displayName: 'Anthropic API', defaultBaseUrl: 'https://api.anthropic.com', defaultModel: 'sonnet', apiKeyRequired: true, apiKeyEnv: 'ANTHROPIC_API_KEY', baseUrlEnv: 'ANTHROPIC_BASE_URL' },
  { id: 'openai', displayName: 'OpenAI-compatible API', defaultBaseUrl: 'https://api.openai.com/v1', defaultModel: 'gpt-5', apiKeyRequired: false, apiKeyEnv: 'OPENAI_API_KEY', baseUrlEnv: 'OPENAI_BASE_URL' },
];

export function findHttpAgent(id: string): HttpAgentSpec | undefined {
  return HTTP_AGENTS.find((a) => a.id === id);
}
