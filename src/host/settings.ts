import * as vscode from 'vscode';
import type { AgentOptions } from '../core/agents/cliAgent';
import type { HttpAgentSpec, HttpProviderConfig } from '../core/http/httpAgents';
import type { ModelOverrides } from '../core/models/modelNames';

// Typed reads of `agentRelay.*`, always fresh: settings are cheap to read and
// caching them is how stale-setting bugs happen.

const section = (scope?: vscode.ConfigurationScope) => vscode.workspace.getConfiguration('agentRelay', scope);

/** Settings that name executables or inject environment are not honoured in untrusted workspaces. */
export function agentPathSetting(agentId: string, scope?: vscode.ConfigurationScope): { value?: string; ignored: boolean } {
  const value = section(scope).get<string>(`${agentId}.path`)?.trim() || undefined;
  if (!vscode.workspace.isTrusted) return { ignored: value !== undefined };
  return { value, ignored: false };
}

export function agentOptions(agentId: string, scope?: vscode.ConfigurationScope): AgentOptions {
  const c = section(scope);
  const environment = vscode.workspace.isTrusted ? c.get<Record<string, string>>(`${agentId}.environment`) : undefined;
  return {
    model: c.get<string>(`${agentId}.model`)?.trim() || undefined,
    permissionMode: c.get<string>(`${agentId}.permissionMode`),
    allowedTools: c.get<string[]>(`${agentId}.allowedTools`) ?? [],
    environment: environment ? stringValues(environment) : undefined,
  };
}

export function runSettings(scope?: vscode.ConfigurationScope): { timeoutMs: number; attachSelection: boolean; maxPromptKilobytes: number } {
  const c = section(scope);
  return {
    timeoutMs: Math.max(0, c.get<number>('run.timeoutMinutes', 30)) * 60_000,
    attachSelection: c.get<boolean>('run.attachSelection', true),
    maxPromptKilobytes: Math.max(1, c.get<number>('run.maxPromptKilobytes', 512)),
  };
}

/** Settings of an HTTP provider, with the model name as the user wrote it (translate before use). */
export function httpProviderSettings(spec: HttpAgentSpec, scope?: vscode.ConfigurationScope): HttpProviderConfig {
  const c = section(scope);
  const temperature = c.get<number | null>(`${spec.id}.temperature`);
  return {
    baseUrl: (vscode.workspace.isTrusted && c.get<string>(`${spec.id}.baseUrl`)?.trim()) || spec.defaultBaseUrl,
    model: c.get<string>(`${spec.id}.model`)?.trim() || spec.defaultModel,
    maxTokens: Math.max(1, Math.floor(c.get<number>(`${spec.id}.maxTokens`, 4096))),
    temperature: typeof temperature === 'number' ? temperature : undefined,
    directConnections: section().get<boolean>('http.bypassProxySupport', false) || undefined,
  };
}

/** agentRelay.models: per provider, canonical name → provider model id. */
export function modelOverrides(): ModelOverrides {
  const raw = section().get<Record<string, Record<string, string>>>('models') ?? {};
  const out: Record<string, Record<string, string>> = {};
  for (const [provider, map] of Object.entries(raw)) if (map && typeof map === 'object') out[provider] = stringValues(map);
  return out;
}

/** Whether a configuration change can change where or how an agent's executable is found. */
export function affectsDetection(e: vscode.ConfigurationChangeEvent, agentId: string): boolean {
  return e.affectsConfiguration(`agentRelay.${agentId}.path`) || e.affectsConfiguration(`agentRelay.${agentId}.environment`);
}

function stringValues(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}
