// Shared helpers for tests running inside the VS Code extension host.
import * as assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentRelayApi } from '../../../src/host/api';
import type { WebviewSnapshot } from '../browserProbe';
import { claudeHome, codexHome, geminiHome, opencodeHome } from '../../support/agentHomes';
import { ModelServer } from '../../support/modelServer';
import { waitFor } from '../../support/processes';

export const EXTENSION_ID = 'agent-relay.agent-relay';

export function extension(): vscode.Extension<AgentRelayApi> {
  const ext = vscode.extensions.getExtension<AgentRelayApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed in this host`);
  return ext;
}

export async function api(): Promise<AgentRelayApi> {
  return extension().activate();
}

/** The browser side channel; undefined on hosts without one (desktop runs). */
export const probeUrl = process.env.AGENT_RELAY_TEST_PROBE;

async function probe<T>(route: string, params: Record<string, string>): Promise<T> {
  if (!probeUrl) throw new Error('no browser probe in this host');
  const res = await fetch(`${probeUrl}${route}?${new URLSearchParams(params)}`);
  const body = (await res.json()) as T & { error?: string };
  if (!res.ok) throw new Error(`probe ${route}: ${body.error ?? res.status}`);
  return body;
}

export const browser = {
  webview: (runId: string, opts: { selector?: string; count?: string; global?: string } = {}) =>
    probe<WebviewSnapshot>('/webview', { runId, ...opts }),
  /** Clicks in a run's webview, after closing notification toasts that could cover it. */
  click: async (runId: string, selector: string) => {
    await vscode.commands.executeCommand('notifications.clearAll');
    return probe('/click', { runId, selector });
  },
  workbench: (selector: string) => probe<WebviewSnapshot>('/workbench', { selector }),
  /** Evaluates browser code in a run's webview; returns its (JSON) value. */
  evaluate: async (runId: string, expression: string) => (await probe<{ value: unknown }>('/eval', { runId, expression })).value,
  press: (key: string) => probe('/keyboard', { press: key }),
  type: (text: string) => probe('/keyboard', { type: text }),
  screenshot: (file: string) => probe('/screenshot', { path: file }),
  /** Polls an element of the workbench until it is there and `predicate` holds for its text. */
  async waitForWorkbench(selector: string, what: string, predicate: (text: string) => boolean = () => true, ms = 30_000): Promise<string> {
    let last: WebviewSnapshot = { found: false };
    const ok = await waitFor(async () => {
      last = await browser.workbench(selector);
      return last.found && predicate(last.text ?? '');
    }, ms, 100);
    assert.ok(ok, `${what}: ${selector} ${last.found ? `shows:\n${last.text}` : 'is not there'}`);
    return last.text ?? '';
  },
  /** Polls the webview until `predicate` holds for its transcript text. */
  async waitForText(runId: string, predicate: (text: string) => boolean, ms = 30_000, selector = '#transcript'): Promise<string> {
    let last = '';
    const ok = await waitFor(async () => {
      const snap = await browser.webview(runId, { selector });
      last = snap.text ?? '';
      return snap.found && predicate(last);
    }, ms, 100);
    assert.ok(ok, `webview of run ${runId} never showed what was expected; last text:\n${last}`);
    return last;
  },
};

/** Skips a test that needs the browser (desktop runs have none); CI always has it. */
export function requireBrowser(ctx: Mocha.Context): void {
  if (!probeUrl) ctx.skip();
}

/**
 * Points an agent CLI at the loopback model server through the extension's own
 * settings (agentRelay.<id>.environment), with a scratch HOME so no real
 * configuration leaks in or out. `extra` sets other agentRelay.<id>.* settings
 * (keys like 'claude.permissionMode'); the rest are reset.
 */
export async function configureAgent(agentId: keyof typeof HOMES, server: ModelServer, extra: Record<string, unknown> = {}, home?: string): Promise<string> {
  // `home`: the one an earlier phase used, so the agent still has its sessions.
  const dir = home ?? mkdtempSync(path.join(process.env.AGENT_RELAY_TEST_TMP ?? os.tmpdir(), `${agentId}-home-`));
  const { env } = HOMES[agentId](dir, server.url);
  const c = vscode.workspace.getConfiguration('agentRelay');
  await c.update(`${agentId}.environment`, env, vscode.ConfigurationTarget.Global);
  const declared = extension().packageJSON.contributes.configuration.properties as Record<string, unknown>;
  for (const key of ['path', 'permissionMode', 'allowedTools', 'model'].map((k) => `${agentId}.${k}`)) {
    if (`agentRelay.${key}` in declared) await c.update(key, extra[key], vscode.ConfigurationTarget.Global);
  }
  return dir;
}

const HOMES = { claude: claudeHome, codex: codexHome, gemini: geminiHome, opencode: opencodeHome };

export const configureClaude = (server: ModelServer, extra: Record<string, unknown> = {}, home?: string) => configureAgent('claude', server, extra, home);

export async function startModelServer(): Promise<ModelServer> {
  return new ModelServer().start();
}

/** Runs the command a user runs, with its choices as arguments; returns the run id. */
export async function runAgent(prompt: string, agentId = 'claude'): Promise<string> {
  const runId = await vscode.commands.executeCommand<string | undefined>('agentRelay.runAgent', agentId, prompt);
  assert.ok(runId, 'Run Agent did not start a run');
  return runId;
}

/** Fails with `what` instead of hanging until mocha's timeout. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
