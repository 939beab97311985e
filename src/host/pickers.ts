import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentEntry } from '../core/agents/catalog';
import type { AttachedContext } from '../core/run/prompt';
import type { Relay } from './relay';
import { httpProviderSettings } from './settings';

/** One line about an agent's readiness, for pickers and the Agents view. */
export async function agentStatus(relay: Relay, agent: AgentEntry, folder: vscode.WorkspaceFolder | undefined): Promise<{ ready: boolean; text: string; detail?: string }> {
  switch (agent.kind) {
    case 'cli': {
      const d = await relay.detect(agent.spec, folder);
      return d.found ? { ready: true, text: `found (${d.foundBy})`, detail: d.path } : { ready: false, text: 'not found', detail: d.message };
    }
    case 'http': {
      const hasKey = await relay.keys.has(agent.id);
      const settings = httpProviderSettings(agent.spec, folder);
      const ready = hasKey || !agent.spec.apiKeyRequired;
      return { ready, text: hasKey ? 'API key set' : agent.spec.apiKeyRequired ? 'no API key' : 'no API key (optional)', detail: settings.baseUrl };
    }
    case 'external':
      return { ready: true, text: agent.owner ? `from ${agent.owner}` : 'registered by an extension' };
  }
}

/** Quick pick of every agent, each showing whether it is ready. */
export async function pickAgent(relay: Relay, folder: vscode.WorkspaceFolder | undefined): Promise<AgentEntry | undefined> {
  const agents = relay.catalog.all();
  const items = await Promise.all(
    agents.map(async (agent) => {
      const status = await agentStatus(relay, agent, folder);
      return {
        label: agent.displayName,
        description: `${status.ready ? '$(check)' : '$(warning)'} ${status.text}`,
        detail: status.ready ? status.detail : undefined,
        agent,
      };
    }),
  );
  const pick = await vscode.window.showQuickPick(items, { title: 'Agent Relay: Run Agent', placeHolder: 'Which agent?', matchOnDescription: true });
  return pick?.agent;
}

/** The active editor's selection as context, or undefined when nothing is selected. */
export function selectionContext(folder: vscode.WorkspaceFolder | undefined): AttachedContext | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  const doc = editor.document;
  const sel = editor.selection;
  const label =
    folder && doc.uri.scheme === 'file' ? path.relative(folder.uri.fsPath, doc.uri.fsPath) || path.basename(doc.uri.fsPath) : vscode.workspace.asRelativePath(doc.uri);
  return {
    label: label.split(path.sep).join('/'),
    startLine: sel.start.line + 1,
    endLine: sel.end.character === 0 && sel.end.line > sel.start.line ? sel.end.line : sel.end.line + 1,
    languageId: doc.languageId,
    text: doc.getText(sel),
  };
}

/**
 * Asks for the prompt. When there is a selection, a button toggles whether it
 * is attached; the input box says which way it is.
 */
export function askPrompt(spec: { displayName: string }, context: AttachedContext | undefined, attachByDefault: boolean): Promise<{ prompt: string; attach: boolean } | undefined> {
  return new Promise((resolve) => {
    const box = vscode.window.createInputBox();
    let attach = Boolean(context) && attachByDefault;
    const attachButton = { iconPath: new vscode.ThemeIcon('link'), tooltip: 'Attach the selection (on)' };
    const detachButton = { iconPath: new vscode.ThemeIcon('debug-disconnect'), tooltip: 'Attach the selection (off)' };
    const refresh = () => {
      box.prompt = context
        ? attach
          ? `The selection (${context.label}:${context.startLine}-${context.endLine}) will be attached. Use the button to leave it out.`
          : 'The selection will not be attached. Use the button to attach it.'
        : 'Press Enter to run, Escape to cancel.';
      box.buttons = context ? [attach ? attachButton : detachButton] : [];
    };
    box.title = `Run ${spec.displayName}`;
    box.placeholder = `What should ${spec.displayName} do?`;
    box.ignoreFocusOut = true;
    refresh();
    let done = false;
    box.onDidTriggerButton(() => {
      attach = !attach;
      refresh();
    });
    box.onDidChangeValue(() => (box.validationMessage = undefined));
    box.onDidAccept(() => {
      if (!box.value.trim()) {
        box.validationMessage = 'Type what the agent should do.';
        return;
      }
      done = true;
      resolve({ prompt: box.value, attach });
      box.hide();
    });
    box.onDidHide(() => {
      box.dispose();
      if (!done) resolve(undefined);
    });
    box.show();
  });
}

/** The folder a run works in: the active editor's folder, else the first one. */
export function runFolder(): vscode.WorkspaceFolder | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) ?? vscode.workspace.workspaceFolders?.[0];
}
