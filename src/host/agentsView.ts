import * as vscode from 'vscode';
import type { AgentEntry } from '../core/agents/catalog';
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
      item.tooltip = `${node.label}: ${node.value}`;
      return item;
    }
    const status = await agentStatus(this.relay, node.agent, runFolder());
    const item = new vscode.TreeItem(node.agent.displayName, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `agent:${node.agentId}`;
    item.description = status.text;
    item.iconPath = new vscode.ThemeIcon(status.ready ? 'pass' : 'warning', new vscode.ThemeColor(status.ready ? 'testing.iconPassed' : 'problemsWarningIcon.foreground'));
    item.tooltip = new vscode.MarkdownString(`**${node.agent.displayName}** (\`${node.agentId}\`)\n\n${status.text}${status.detail ? `\n\n${status.detail}` : ''}`);
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
          add('Path', d.path);
          add('Found by', d.foundBy);
          add('Version', (await d.version()) ?? 'unknown');
        } else {
          add('Status', 'not found: see "Agent Relay: Doctor"');
        }
        const mode = options.permissionMode || agent.spec.defaultPermissionMode;
        const info = agent.spec.permissionModes.find((m) => m.value === mode);
        add('Permission mode', `${mode}${info?.readOnly ? ' (read-only)' : ''}`);
        add('Model', this.relay.translator.translate(agent.id, options.model) ?? "CLI's default");
        break;
      }
      case 'http': {
        const s = httpProviderSettings(agent.spec, folder);
        add('Base URL', s.baseUrl);
        add('Model', this.relay.translator.translate(agent.id, s.model));
        add('API key', (await this.relay.keys.has(agent.id)) ? 'set' : agent.spec.apiKeyRequired ? 'not set' : 'not set (optional)');
        break;
      }
      case 'external':
        add('Registered by', agent.owner ?? 'another extension');
        break;
    }
    return rows;
  }
}
