#!/usr/bin/env node
// Keeps package.json honest: every contributed command is registered in the
// command table and vice versa, every command has the category, settings are
// documented and scoped, and activation stays lazy. Fails with a list.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const table = readFileSync(new URL('../src/host/commands.ts', import.meta.url), 'utf8');
const registered = new Set([...table.matchAll(/^\s+'(agentRelay\.[\w.]+)':/gm)].map((m) => m[1]));
const problems = [];

const contributed = pkg.contributes.commands.map((c) => c.command);
for (const c of pkg.contributes.commands) {
  if (!registered.has(c.command)) problems.push(`${c.command} is contributed but not in COMMANDS`);
  if (c.category !== 'Agent Relay') problems.push(`${c.command} has no "Agent Relay" category`);
}
for (const id of registered) if (!contributed.includes(id)) problems.push(`${id} is registered but not contributed`);

for (const [key, s] of Object.entries(pkg.contributes.configuration.properties)) {
  if (!key.startsWith('agentRelay.')) problems.push(`${key} is outside agentRelay.*`);
  if (!s.markdownDescription) problems.push(`${key} has no markdownDescription`);
  if (s.enum && (!s.enumDescriptions || s.enumDescriptions.length !== s.enum.length)) problems.push(`${key} needs one enumDescription per value`);
  if (/\.(path|environment)$/.test(key) && s.scope !== 'machine-overridable') problems.push(`${key} must be machine-overridable`);
  if (/\.(path|environment|baseUrl)$/.test(key) && !pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(key)) {
    problems.push(`${key} must be a restricted configuration in untrusted workspaces`);
  }
}

for (const e of pkg.activationEvents ?? []) {
  if (e === '*' || e === 'onStartupFinished') problems.push(`eager activation event ${e}`);
}
if (!/^\^1\.(\d+)\.0$/.test(pkg.engines.vscode) || Number(pkg.engines.vscode.split('.')[1]) > 100) problems.push(`engines.vscode ${pkg.engines.vscode} is newer than ^1.100.0`);
if (pkg.devDependencies['@types/vscode'] !== pkg.engines.vscode.replace('^', '')) problems.push('@types/vscode must match engines.vscode');

if (problems.length) {
  console.error(`package.json problems:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`manifest ok: ${contributed.length} commands, ${Object.keys(pkg.contributes.configuration.properties).length} settings`);
