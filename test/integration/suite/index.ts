// Entry point VS Code loads as `extensionTestsPath`: runs the integration
// suite with mocha inside the extension host, in file-name order (the
// activation test must run before anything activates the extension).
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, slow: 10_000, color: false, reporter: 'spec' });
  // AGENT_RELAY_TEST_GREP narrows the run while working on one area.
  if (process.env.AGENT_RELAY_TEST_GREP) mocha.grep(process.env.AGENT_RELAY_TEST_GREP);
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
