import * as vscode from 'vscode';
import type { AgentOptions } from '../core/agents/cliAgent';

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

/** Whether a configuration change can change where or how an agent's executable is found. */
export function affectsDetection(e: vscode.ConfigurationChangeEvent, agentId: string): boolean {
  return e.affectsConfiguration(`agentRelay.${agentId}.path`) || e.affectsConfiguration(`agentRelay.${agentId}.environment`);
}

function stringValues(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (typeof v === 'string') out[k] = v;
  return out;
}
