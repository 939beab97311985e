import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentEntry } from '../core/run/catalog';
import type { AttachedContext } from '../core/run/prompt';
import type { Relay } from './relay';
import { httpProviderSettings } from './settings';

/** One line about an agent's readiness, for pickers and the Agents view. */
export async function agentStatus(relay: Relay, agent: AgentEntry, folder: vscode.WorkspaceFolder | undefined): Promise<{ ready: boolean; text: string; detail?: string }> {
  switch (agent.kind) {
    case 'cli': {
      const d = await relay.detect(agent.spec, folder);
      return d.found
        ? { ready: true, text: vscode.l10n.t({ message: 'found ({0})', args: [d.foundBy], comment: '{0} is how the CLI was found: "setting", "PATH" or "known location" (not translated)' }), detail: d.path }
        : { ready: false, text: vscode.l10n.t('not found'), detail: d.message };
    }
    case 'http': {
      const hasKey = await relay.keys.has(agent.id);
      const settings = httpProviderSettings(agent.spec, folder);
      const ready = hasKey || !agent.spec.apiKeyRequired;
      const text = hasKey ? vscode.l10n.t('API key set') : agent.spec.apiKeyRequired ? vscode.l10n.t('no API key') : vscode.l10n.t('no API key (optional)');
      return { ready, text, detail: settings.baseUrl };
    }
    case 'external':
      return {
        ready: true,
        text: agent.owner ? vscode.l10n.t({ message: 'from {0}', args: [agent.owner], comment: '{0} names the extension that registered the agent' }) : vscode.l10n.t('registered by an extension'),
      };
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
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Agent Relay: Run Agent'), placeHolder: vscode.l10n.t('Which agent?'), matchOnDescription: true });
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
    const attachButton = { iconPath: new vscode.ThemeIcon('link'), tooltip: vscode.l10n.t('Attach the selection (on)') };
    const detachButton = { iconPath: new vscode.ThemeIcon('debug-disconnect'), tooltip: vscode.l10n.t('Attach the selection (off)') };
    const refresh = () => {
      box.prompt = context
        ? attach
          ? vscode.l10n.t({
              message: 'The selection ({0}:{1}-{2}) will be attached. Use the button to leave it out.',
              args: [context.label, context.startLine, context.endLine],
              comment: '{0} is the file, {1}-{2} the first and last line of the selection',
            })
          : vscode.l10n.t('The selection will not be attached. Use the button to attach it.')
        : vscode.l10n.t('Press Enter to run, Escape to cancel.');
      box.buttons = context ? [attach ? attachButton : detachButton] : [];
    };
    box.title = vscode.l10n.t({ message: 'Run {0}', args: [spec.displayName], comment: '{0} is the agent, e.g. Claude Code' });
    box.placeholder = vscode.l10n.t({ message: 'What should {0} do?', args: [spec.displayName], comment: '{0} is the agent, e.g. Claude Code' });
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
        box.validationMessage = vscode.l10n.t('Type what the agent should do.');
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
