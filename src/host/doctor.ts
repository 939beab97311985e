import * as vscode from 'vscode';
import { renderDoctorReport, type DoctorHealth } from '../core/doctorReport';
import { recentHealth } from '../core/metrics/performanceReport';
import { windowHealth } from '../core/metrics/windowHealth';
import { pathDirectories } from '../core/locate/searchPaths';
import { runFolder } from './pickers';
import type { Relay } from './relay';
import { agentOptions, httpProviderSettings } from './settings';

/** "Agent Relay: Doctor": detection trails, versions, PATH, trust and storage, in a Markdown document. */
export async function showDoctorReport(relay: Relay): Promise<vscode.TextDocument> {
  const folder = runFolder();
  const agents = relay.catalog.all();
  const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Agent Relay: checking agents…') }, async () =>
    renderDoctorReport({
      health: await health(relay),
      generatedAt: new Date().toISOString(),
      extensionVersion: String(relay.context.extension.packageJSON.version),
      vscodeVersion: vscode.version,
      appHost: vscode.env.appHost,
      remoteName: vscode.env.remoteName,
      platform: `${process.platform} ${process.arch}`,
      nodeVersion: process.versions.node,
      trusted: vscode.workspace.isTrusted,
      folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      storage: { global: relay.context.globalStorageUri.fsPath, workspace: relay.context.storageUri?.fsPath },
      pathDirs: pathDirectories(process.env, process.platform),
      cliAgents: await Promise.all(
        agents.flatMap((a) => (a.kind === 'cli' ? [a] : [])).map(async (a) => {
          const d = await relay.detect(a.spec, folder);
          const options = agentOptions(a.id, folder);
          return {
            id: a.id,
            name: a.displayName,
            found: d.found,
            path: d.found ? d.path : undefined,
            foundBy: d.found ? d.foundBy : undefined,
            version: d.found ? await d.version() : undefined,
            message: d.found ? undefined : d.message,
            permissionMode: options.permissionMode || a.spec.defaultPermissionMode,
            model: relay.translator.translate(a.id, options.model),
            trail: d.trail,
          };
        }),
      ),
      httpAgents: await Promise.all(
        agents.flatMap((a) => (a.kind === 'http' ? [a] : [])).map(async (a) => {
          const s = httpProviderSettings(a.spec, folder);
          return {
            id: a.id,
            name: a.displayName,
            baseUrl: s.baseUrl,
            model: relay.translator.translate(a.id, s.model) ?? s.model,
            apiKeySet: await relay.keys.has(a.id),
            apiKeyRequired: a.spec.apiKeyRequired,
          };
        }),
      ),
      externalAgents: agents.flatMap((a) => (a.kind === 'external' ? [{ id: a.id, name: a.displayName, owner: a.owner }] : [])),
      httpProvidersLoaded: relay.httpProvidersLoaded,
    }),
  );
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: report });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** Our activation time, the extension host's memory, and what the workspace's recent runs measured and failed of. */
async function health(relay: Relay): Promise<DoctorHealth> {
  const mem = process.memoryUsage();
  const history = relay.workspaceHistory();
  const records = await history.list().then((l) => l.records, () => []);
  const windows = windowHealth(await history.windowSamples());
  return { activationMs: relay.logs.activationMs, hostRssMB: mem.rss / 1024 / 1024, hostHeapUsedMB: mem.heapUsed / 1024 / 1024, metricsExport: relay.metricsExport.status, windows, ...recentHealth(records) };
}
