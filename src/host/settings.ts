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

export function runSettings(scope?: vscode.ConfigurationScope): { timeoutMs: number; attachSelection: boolean; maxPromptKilobytes: number; retries: number; maxLineMegabytes: number } {
  const c = section(scope);
  return {
    timeoutMs: Math.max(0, c.get<number>('run.timeoutMinutes', 30)) * 60_000,
    attachSelection: c.get<boolean>('run.attachSelection', true),
    maxPromptKilobytes: Math.max(1, c.get<number>('run.maxPromptKilobytes', 512)),
    retries: Math.min(10, Math.max(0, Math.floor(c.get<number>('run.retries', 2)))),
    maxLineMegabytes: Math.max(1, c.get<number>('run.maxLineMegabytes', 64)),
  };
}

/** The window's run queue: runs at once, overall and per agent. */
export function queueSettings(): { maxConcurrent: number; perAgent: Record<string, number> } {
  const c = section();
  const perAgent: Record<string, number> = {};
  for (const [id, n] of Object.entries(c.get<Record<string, unknown>>('run.maxConcurrentPerAgent') ?? {})) if (typeof n === 'number' && n >= 1) perAgent[id] = Math.floor(n);
  return { maxConcurrent: Math.max(1, Math.floor(c.get<number>('run.maxConcurrent', 3))), perAgent };
}

/** Requests a minute to an API at its base URL (0 = no limit). */
export function requestsPerMinute(agentId: string, scope?: vscode.ConfigurationScope): number {
  return Math.max(0, section(scope).get<number>(`${agentId}.requestsPerMinute`, 0));
}

/** Settings of an HTTP provider, with the model name as the user wrote it (translate before use). */
export function httpProviderSettings(spec: HttpAgentSpec, scope?: vscode.ConfigurationScope): HttpProviderConfig {
  const c = section(scope);
  const temperature = c.get<number | null>(`${spec.id}.temperature`);
  return {
    baseUrl: (vscode.workspace.isTrusted && c.get<string>(`${spec.id}.baseUrl`)?.trim()) || spec.defaultBaseUrl,
    model: c.get<string>(`${spec.id}.model`)?.trim() || spec.defaultModel,
    maxTokens: Math.max(1, Math.floor(c.get<number>(`${spec.id}.maxTokens`, 4096))),
    maxHistoryTokens: Math.max(0, Math.floor(c.get<number>(`${spec.id}.maxHistoryTokens`, 32000))),
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
