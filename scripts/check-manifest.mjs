#!/usr/bin/env node
// Keeps package.json honest: every contributed command is registered in the
// command table and vice versa, every command has the category, settings are
// documented and scoped, activation stays lazy, every manifest string resolves
// in package.nls.json, and l10n/bundle.l10n.json holds exactly the strings the
// code passes to vscode.l10n.t. Fails with a list.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const raw = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8'));
const problems = [];

// Manifest strings are %keys% of package.nls.json; check them resolved, as VS Code shows them.
const used = new Set();
const resolveNls = (value) => {
  if (typeof value === 'string') {
    const m = /^%([^%]+)%$/.exec(value);
    if (!m) return value;
    used.add(m[1]);
    if (!(m[1] in nls)) problems.push(`%${m[1]}% is not in package.nls.json`);
    return nls[m[1]] ?? value;
  }
  if (Array.isArray(value)) return value.map(resolveNls);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveNls(v)]));
  return value;
};
const pkg = resolveNls(raw);
for (const key of Object.keys(nls)) if (!used.has(key)) problems.push(`package.nls.json key ${key} is not used`);
for (const field of ['displayName', 'description']) if (raw[field] === pkg[field]) problems.push(`${field} is not localised through package.nls.json`);
const table = readFileSync(join(root, 'src', 'host', 'commands.ts'), 'utf8');
const registered = new Set([...table.matchAll(/^\s+'(agentRelay\.[\w.]+)':/gm)].map((m) => m[1]));

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

// The English runtime bundle must be what the l10n tool extracts from the code now.
const l10nDev = join(dirname(createRequire(import.meta.url).resolve('@vscode/l10n-dev/package.json')), 'dist', 'cli.js');
const out = mkdtempSync(join(tmpdir(), 'agent-relay-l10n-'));
try {
  execFileSync(process.execPath, [l10nDev, 'export', '--outDir', out, join(root, 'src')], { stdio: 'pipe' });
  const fresh = JSON.parse(readFileSync(join(out, 'bundle.l10n.json'), 'utf8'));
  let committed = {};
  try {
    committed = JSON.parse(readFileSync(join(root, 'l10n', 'bundle.l10n.json'), 'utf8'));
  } catch {
    problems.push('l10n/bundle.l10n.json is missing');
  }
  const added = Object.keys(fresh).filter((k) => !(k in committed));
  const stale = Object.keys(committed).filter((k) => !(k in fresh));
  if (added.length || stale.length) {
    problems.push(`l10n/bundle.l10n.json is out of date (${added.length} new, ${stale.length} unused strings): run \`npm run l10n\``);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

if (problems.length) {
  console.error(`package.json problems:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`manifest ok: ${contributed.length} commands, ${Object.keys(pkg.contributes.configuration.properties).length} settings`);
