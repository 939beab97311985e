import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Every file under `dir`, relative, with `/` separators, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(path.relative(dir, p).split(path.sep).join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** Every answer file of a response cache under `dir` (not the near index, stats or tmp files), as full paths. */
export function entryFiles(dir: string): string[] {
  return listFiles(dir)
    .filter((f) => /(^|\/)entries\//.test(f))
    .map((f) => path.join(dir, f));
}
