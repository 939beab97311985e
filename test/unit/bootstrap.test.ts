// The tool bootstrap's pure parts (scripts/lib): where browsers are looked for on
// each platform, which Node headers node-gyp is given, and which package
// manager flavour a machine has.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const browsers = require(path.join(ROOT, 'scripts', 'lib', 'browser.cjs'));

interface NodeHeaders {
  localNodeHeaders(o: { execPath: string; version: string; env: Record<string, string> }): { nodedir?: string; error?: Error };
  headerVersion(text: string): string | undefined;
}

describe('tool bootstrap', () => {
  describe('browser discovery', () => {
    it('looks in CHROMIUM_PATH first, then the platform\'s usual places', () => {
      const linux = browsers.browserCandidates({ CHROMIUM_PATH: '/opt/x/chrome' }, 'linux');
      assert.equal(linux[0], '/opt/x/chrome');
      assert.ok(linux.includes('/usr/bin/chromium'));
      const mac = browsers.browserCandidates({ HOME: '/Users/ada' }, 'darwin');
      assert.ok(mac.includes('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'));
      assert.ok(mac.includes('/Users/ada/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge'));
      const win = browsers.browserCandidates({ PROGRAMFILES: 'C:\\Program Files', LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' }, 'win32');
      assert.ok(win.includes('C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'));
      assert.ok(win.includes('C:\\Users\\ada\\AppData\\Local\\Microsoft\\Edge\\Application\\msedge.exe'));
    });

    it('returns the first candidate that exists, and a hint that names what to install when none does', () => {
      const exists = (p: string) => p === '/Applications/Chromium.app/Contents/MacOS/Chromium';
      assert.equal(browsers.findBrowser({}, 'darwin', exists), '/Applications/Chromium.app/Contents/MacOS/Chromium');
      assert.equal(browsers.findBrowser({}, 'linux', () => false), undefined);
      assert.match(browsers.browserHint('linux'), /apt-get install chromium.*CHROMIUM_PATH/);
      assert.match(browsers.browserHint('darwin'), /Chrome, Chromium or Edge/);
    });
  });

  describe('Node headers for node-gyp', () => {
    let tmp: string;
    let headers: NodeHeaders;
    before(async () => {
      headers = await import(path.join(ROOT, 'scripts', 'lib', 'nodeHeaders.mjs'));
    });
    beforeEach(() => (tmp = mkdtempSync(path.join(os.tmpdir(), 'relay-headers-'))));
    afterEach(() => rmSync(tmp, { recursive: true, force: true }));

    function fakeNode(version: string | undefined): string {
      mkdirSync(path.join(tmp, 'bin'), { recursive: true });
      writeFileSync(path.join(tmp, 'bin', 'node'), '');
      if (version) {
        const [major, minor, patch] = version.slice(1).split('.');
        mkdirSync(path.join(tmp, 'include', 'node'), { recursive: true });
        writeFileSync(
          path.join(tmp, 'include', 'node', 'node_version.h'),
          `#define NODE_MAJOR_VERSION ${major}\n#define NODE_MINOR_VERSION ${minor}\n#define NODE_PATCH_VERSION ${patch}\n`,
        );
      }
      return path.join(tmp, 'bin', 'node');
    }

    it('uses the headers beside Node when they are for the running version', () => {
      const execPath = fakeNode('v20.20.2');
      assert.deepEqual(headers.localNodeHeaders({ execPath, version: 'v20.20.2', env: {} }), { nodedir: tmp });
    });

    it('refuses headers of another version, and says what to do when there are none', () => {
      const other = headers.localNodeHeaders({ execPath: fakeNode('v20.11.0'), version: 'v20.20.2', env: {} });
      assert.match(String(other.error?.message), /are for v20\.11\.0, but Node v20\.20\.2 is running/);
      rmSync(path.join(tmp, 'include'), { recursive: true });
      const none = headers.localNodeHeaders({ execPath: fakeNode(undefined), version: 'v20.20.2', env: { XDG_CACHE_HOME: path.join(tmp, 'cache') } });
      assert.match(String(none.error?.message), /would download them from the internet.*npm_config_nodedir/s);
    });

    it('checks a folder the user chose instead of replacing it', () => {
      const execPath = fakeNode('v20.20.2');
      const chosen = headers.localNodeHeaders({ execPath, version: 'v20.20.2', env: { npm_config_nodedir: path.join(tmp, 'elsewhere') } });
      assert.ok(chosen.error, 'a chosen folder without headers must not be silently replaced');
      assert.deepEqual(headers.localNodeHeaders({ execPath, version: 'v20.20.2', env: { npm_config_nodedir: tmp } }), { nodedir: tmp });
    });

    it('reads the version a node_version.h declares', () => {
      assert.equal(headers.headerVersion('#define NODE_MAJOR_VERSION 22\n#define NODE_MINOR_VERSION 1\n#define NODE_PATCH_VERSION 0\n'), 'v22.1.0');
      assert.equal(headers.headerVersion('nothing here'), undefined);
    });
  });

  it('tells Debian from Ubuntu, and neither without apt-get', async () => {
    const system: { aptFlavour(release: Record<string, string>, hasApt: boolean): string | undefined } = await import(path.join(ROOT, 'scripts', 'lib', 'system.mjs'));
    assert.equal(system.aptFlavour({ ID: 'debian' }, true), 'debian');
    assert.equal(system.aptFlavour({ ID: 'ubuntu', ID_LIKE: 'debian' }, true), 'ubuntu');
    assert.equal(system.aptFlavour({ ID: 'linuxmint', ID_LIKE: 'ubuntu debian' }, true), 'ubuntu');
    assert.equal(system.aptFlavour({ ID: 'fedora' }, false), undefined);
  });
});
