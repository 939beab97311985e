import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '../../../src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  it('the core, the shared protocol and the headless CLI never import vscode', () => {
    const pure = [...files(path.join(SRC, 'core')), ...files(path.join(SRC, 'shared')), ...files(path.join(SRC, 'headless')), path.join(SRC, 'cli.ts')];
    const offenders = pure.filter((f) => /from ['"]vscode['"]|require\(['"]vscode['"]\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(SRC, f)), []);
  });

  it('core folders import only from folders below them: no cycles between concepts', () => {
    // Lowest first. A folder may import from its own layer's other folders only when listed there together.
    const layers = [['util', 'log', 'stream', 'models', 'process'], ['agents'], ['locate', 'http'], ['cli'], ['cache', 'providers'], ['history', 'worktrees'], ['metrics'], ['run']];
    const rank = new Map(layers.flatMap((names, i) => names.map((n) => [n, i] as const)));
    const core = path.join(SRC, 'core');
    const problems: string[] = [];
    for (const f of files(core)) {
      const from = path.relative(core, f).split(path.sep);
      if (from.length < 2) continue; // files at the core's top may use any folder
      const folder = from[0];
      assert.ok(rank.has(folder), `core/${folder} has no layer in this test: add it`);
      for (const m of readFileSync(f, 'utf8').matchAll(/from '(\.\.\/[^']+)'/g)) {
        const target = path.relative(core, path.resolve(path.dirname(f), m[1])).split(path.sep)[0];
        if (target === folder || !rank.has(target)) continue;
        if (rank.get(target)! >= rank.get(folder)!) problems.push(`core/${from.join('/')} imports core/${target}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it('the webview imports only types from the core (it runs in a browser)', () => {
    for (const f of files(path.join(SRC, 'webview'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/^import (type )?.*from ['"](\.\.\/core\/[^'"]+)['"]/gm)) {
        assert.ok(m[1], `${path.relative(SRC, f)} imports runtime code from ${m[2]}`);
      }
    }
  });

  it('no MarkdownString of the host is trusted or renders HTML (agent, CLI and server text reach tooltips)', () => {
    const offenders = files(path.join(SRC, 'host')).filter((f) => /\.isTrusted\s*=|isTrusted\s*:|supportHtml|enableCommandUris/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(offenders.map((f) => path.relative(SRC, f)), []);
  });

  it('host and webview share one protocol file', () => {
    const users = [...files(SRC)].filter((f) => readFileSync(f, 'utf8').includes("shared/protocol'"));
    const dirs = new Set(users.map((f) => path.relative(SRC, f).split(path.sep)[0]));
    assert.ok(dirs.has('host') && dirs.has('webview'), `protocol used by ${[...dirs]}`);
  });
});
