// The second phase of the integration run: the same window reloaded (a new
// extension host over the same storage, its panels restored). Tests here
// check what must survive a reload; the first phase left what they check.
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, slow: 10_000, color: false, reporter: 'spec' });
  if (process.env.AGENT_RELAY_TEST_GREP) mocha.grep(process.env.AGENT_RELAY_TEST_GREP);
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) mocha.addFile(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} test(s) after the reload failed`)) : resolve()));
  });
}
