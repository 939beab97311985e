import * as vscode from 'vscode';
import type { AgentEntry } from '../core/run/catalog';
import { agentStatus, runFolder } from './pickers';
import type { Relay } from './relay';
import { agentOptions, httpProviderSettings } from './settings';

/** An agent row; `agentId` is what the row's run/settings actions receive. */
interface AgentNode {
  kind: 'agent';
  agentId: string;
  agent: AgentEntry;
}
interface DetailNode {
  kind: 'detail';
  label: string;
  value: string;
}
type Node = AgentNode | DetailNode;

/**
 * The "Agents" view in the Agent Relay sidebar: each agent, whether it was
 * found (where and how) or has its key, its version and permission mode.
 * Detection runs when the view is first shown, not at activation.
 */
export class AgentsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly relay: Relay) {
    relay.onDidChangeAgents(() => this.changed.fire(undefined));
  }

  getChildren(node?: Node): Node[] | Promise<Node[]> {
    if (!node) return this.relay.catalog.all().map((agent) => ({ kind: 'agent', agentId: agent.id, agent }));
    return node.kind === 'agent' ? this.details(node.agent) : [];
  }

  async getTreeItem(node: Node): Promise<vscode.TreeItem> {
    if (node.kind === 'detail') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
      item.description = node.value;
      item.tooltip = vscode.l10n.t({ message: '{0}: {1}', args: [node.label, node.value], comment: 'A tooltip: {0} is a detail\'s name (e.g. Version), {1} its value' });
      return item;
    }
    const status = await agentStatus(this.relay, node.agent, runFolder());
    const item = new vscode.TreeItem(node.agent.displayName, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `agent:${node.agentId}`;
    item.description = status.text;
    item.iconPath = new vscode.ThemeIcon(status.ready ? 'pass' : 'warning', new vscode.ThemeColor(status.ready ? 'testing.iconPassed' : 'problemsWarningIcon.foreground'));
    // Untrusted (no command links), and what others wrote (names, paths, messages) goes in as text.
    const tooltip = new vscode.MarkdownString();
    tooltip.appendMarkdown('**').appendText(node.agent.displayName).appendMarkdown('** (').appendText(node.agentId).appendMarkdown(')\n\n').appendText(status.text);
    if (status.detail) tooltip.appendMarkdown('\n\n').appendText(status.detail);
    item.tooltip = tooltip;
    item.contextValue = `agent.${node.agent.kind}`;
    return item;
  }

  private async details(agent: AgentEntry): Promise<DetailNode[]> {
    const folder = runFolder();
    const rows: DetailNode[] = [];
    const add = (label: string, value: string | undefined) => value && rows.push({ kind: 'detail', label, value });
    switch (agent.kind) {
      case 'cli': {
        const d = await this.relay.detect(agent.spec, folder);
        const options = agentOptions(agent.id, folder);
        if (d.found) {
          add(vscode.l10n.t('Path'), d.path);
          add(vscode.l10n.t('Found by'), d.foundBy);
          add(vscode.l10n.t('Version'), (await d.version()) ?? vscode.l10n.t({ message: 'unknown', comment: 'The CLI\'s version could not be read' }));
        } else {
          add(vscode.l10n.t('Status'), vscode.l10n.t('not found: see "Agent Relay: Doctor"'));
        }
        const mode = options.permissionMode || agent.spec.defaultPermissionMode;
        const info = agent.spec.permissionModes.find((m) => m.value === mode);
        add(vscode.l10n.t('Permission mode'), info?.readOnly ? vscode.l10n.t({ message: '{0} (read-only)', args: [mode], comment: '{0} is a permission mode value such as "plan" (not translated)' }) : mode);
        add(vscode.l10n.t('Model'), this.relay.translator.translate(agent.id, options.model) ?? vscode.l10n.t("CLI's default"));
        break;
      }
      case 'http': {
        const s = httpProviderSettings(agent.spec, folder);
        const hasKey = await this.relay.keys.has(agent.id);
        add(vscode.l10n.t('Base URL'), s.baseUrl);
        add(vscode.l10n.t('Model'), this.relay.translator.translate(agent.id, s.model));
        add(
          vscode.l10n.t('API key'),
          hasKey
            ? vscode.l10n.t({ message: 'set', comment: 'An API key is stored' })
            : agent.spec.apiKeyRequired
              ? vscode.l10n.t({ message: 'not set', comment: 'No API key is stored' })
              : vscode.l10n.t({ message: 'not set (optional)', comment: 'No API key is stored; the API works without one' }),
        );
        break;
      }
      case 'external':
        add(vscode.l10n.t('Registered by'), agent.owner ?? vscode.l10n.t('another extension'));
        break;
    }
    return rows;
  }
}
