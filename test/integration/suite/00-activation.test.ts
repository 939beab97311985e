import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extension } from './harness';

describe('activation', () => {
  it('is not active before one of its commands is used', () => {
    const ext = extension();
    assert.equal(ext.isActive, false, 'the extension activated on startup; it must wait for a command, view or panel');
    const events: string[] = ext.packageJSON.activationEvents ?? [];
    assert.ok(!events.includes('*') && !events.includes('onStartupFinished'), `eager activation events: ${events}`);
  });

  it('activates on a command and registers every contributed command', async () => {
    await vscode.commands.executeCommand('agentRelay.showLog');
    const ext = extension();
    assert.equal(ext.isActive, true);
    const manifest = JSON.parse(readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8'));
    const contributed: string[] = manifest.contributes.commands.map((c: { command: string }) => c.command);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    assert.deepEqual(missing, [], 'contributed but not registered');
    assert.ok(contributed.length >= 4);
  });

  it('exposes its API with the agents it knows', async () => {
    const api = await extension().activate();
    assert.equal(api.apiVersion, 1);
    assert.ok(api.agents().includes('claude'));
  });
});
