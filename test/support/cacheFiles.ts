import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Every answer file of a response cache under `dir` (not the near index, stats or tmp files). */
export function entryFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/[\\/]entries[\\/]/.test(p)) out.push(p);
    }
  };
  walk(dir);
  return out;
}
