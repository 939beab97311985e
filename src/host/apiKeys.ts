import * as vscode from 'vscode';

/**
 * API keys for the HTTP providers, kept only in VS Code's SecretStorage (the
 * OS keychain where available): never in settings, logs, the response cache
 * or provider cache keys. Read per request, so a new key applies at once.
 */
export class ApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  private static key(providerId: string): string {
    return `agentRelay.apiKey.${providerId}`;
  }

  async get(providerId: string): Promise<string | undefined> {
    return (await this.secrets.get(ApiKeys.key(providerId))) || undefined;
  }

  async has(providerId: string): Promise<boolean> {
    return (await this.get(providerId)) !== undefined;
  }

  async set(providerId: string, value: string): Promise<void> {
    await this.secrets.store(ApiKeys.key(providerId), value.trim());
  }

  async delete(providerId: string): Promise<void> {
    await this.secrets.delete(ApiKeys.key(providerId));
  }
}
