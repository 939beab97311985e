import * as vscode from 'vscode';
import { createRun } from '../core/run/assembly';
import type { AgentRun } from '../core/run/agentRun';
import type { AgentEntry } from '../core/run/catalog';
import { composePrompt, UserInputError, type AttachedContext } from '../core/run/prompt';
import type { RunSpec } from '../core/run/runSpec';
import type { HistoryRecord } from '../core/history/historyRecord';
import type { Relay } from './relay';
import { agentOptions, agentPathSetting, httpProviderSettings, requestsPerMinute, runSettings } from './settings';

export interface StartRunOptions {
  folder: vscode.WorkspaceFolder;
  context?: AttachedContext;
  /** Open the panel (default true). */
  showPanel?: boolean;
  /** Skip the response-cache lookup (the answer may still be stored). */
  noCache?: boolean;
  /** The prompt as an earlier run sent it (context already attached), and its context's label: for re-runs from the history. */
  asSent?: { prompt: string; context?: string };
}

/** Reads every setting a run of `agent` in `folder` depends on, once, into a RunSpec. */
export function resolveRunSpec(relay: Relay, agent: AgentEntry, prompt: string, opts: StartRunOptions): RunSpec {
  const folder = opts.folder;
  const settings = runSettings(folder);
  const spec: RunSpec = {
    agentId: agent.id,
    prompt: opts.asSent?.prompt ?? composePrompt(prompt, opts.context),
    title: { prompt, context: opts.asSent ? opts.asSent.context : opts.context && `${opts.context.label}:${opts.context.startLine}-${opts.context.endLine}` },
    cwd: folder.uri.fsPath,
    scope: folder.uri.toString(),
    timeoutMs: settings.timeoutMs,
    retries: settings.retries,
    maxPromptKilobytes: settings.maxPromptKilobytes,
    maxLineMegabytes: settings.maxLineMegabytes,
    cache: opts.noCache ? 'bypass' : 'use',
  };
  if (agent.kind === 'cli') {
    const options = agentOptions(agent.id, folder);
    if (options.model) options.model = relay.translator.translate(agent.id, options.model);
    const path = agentPathSetting(agent.id, folder);
    spec.cli = { path: path.value, pathIgnored: path.ignored, pathSettingKey: `agentRelay.${agent.id}.path`, options };
  } else if (agent.kind === 'http') {
    const s = httpProviderSettings(agent.spec, folder);
    spec.http = { config: { ...s, model: relay.translator.translate(agent.id, s.model) ?? s.model }, requestsPerMinute: requestsPerMinute(agent.id, folder) };
  }
  return spec;
}

/**
 * Asks for a run: resolves its settings, builds it the one way runs are built,
 * and hands it to the window's run registry, which queues it. Throws a
 * UserInputError for an unknown agent or a prompt that must not queue.
 */
export function startRun(relay: Relay, agentId: string, prompt: string, opts: StartRunOptions): AgentRun {
  const agent = relay.catalog.find(agentId);
  if (!agent) throw new UserInputError(relay.catalog.unknownMessage(agentId));
  const spec = resolveRunSpec(relay, agent, prompt, opts);
  const run = createRun(spec, relay.runServices);
  relay.logs.forRun(run.id).info(`${agent.displayName} in ${spec.cwd}: ${JSON.stringify(prompt.slice(0, 200))}`);
  // Run Again Without Cache, from the panel or the Runs view, asks for the same run this way.
  rerunOf.set(run, { ...opts, noCache: true, showPanel: true });
  return relay.runs.submit(run, { showPanel: opts.showPanel !== false });
}

const rerunOf = new WeakMap<AgentRun, StartRunOptions>();

/** Whether this window can start the run again (it started it, so it knows its context and folder). */
export function canRerun(run: AgentRun): boolean {
  return rerunOf.has(run);
}

/** Starts the same prompt again (by default without the cache lookup); undefined when this window did not start the run. */
export function rerunWithoutCache(relay: Relay, run: AgentRun, noCache = true): AgentRun | undefined {
  const opts = rerunOf.get(run);
  return opts ? startRun(relay, run.agentId, run.label.prompt, { ...opts, noCache }) : undefined;
}

/** The open workspace folder a run from the history ran in, if this window has it. */
export function folderOf(record: Pick<HistoryRecord, 'cwd'>): vscode.WorkspaceFolder | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file' && f.uri.fsPath === record.cwd);
}

/** Runs a prompt of the history again, as it was sent, in its folder; undefined when that folder is not open here. */
export function rerunRecord(relay: Relay, record: HistoryRecord, opts: { noCache?: boolean } = {}): AgentRun | undefined {
  const folder = folderOf(record);
  if (!folder) return undefined;
  return startRun(relay, record.agentId, record.prompt, { folder, showPanel: true, noCache: opts.noCache, asSent: { prompt: record.fullPrompt, context: record.context } });
}
