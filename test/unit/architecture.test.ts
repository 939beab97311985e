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

  it('the webview imports only types from the core (it runs in a browser)', () => {
    for (const f of files(path.join(SRC, 'webview'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/^import (type )?.*from ['"](\.\.\/core\/[^'"]+)['"]/gm)) {
        assert.ok(m[1], `${path.relative(SRC, f)} imports runtime code from ${m[2]}`);
      }
    }
  });

  it('host and webview share one protocol file', () => {
    const users = [...files(SRC)].filter((f) => readFileSync(f, 'utf8').includes("shared/protocol'"));
    const dirs = new Set(users.map((f) => path.relative(SRC, f).split(path.sep)[0]));
    assert.ok(dirs.has('host') && dirs.has('webview'), `protocol used by ${[...dirs]}`);
  });
});
