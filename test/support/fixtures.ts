import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The repository's copy of the recorded agent streams (a clone needs nothing outside the repo). */
export const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/agent-streams');

export function fixture(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}
