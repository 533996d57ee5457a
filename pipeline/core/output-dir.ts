/**
 * Writes a set of output files all-or-nothing: files go to a temporary sibling directory that
 * replaces nothing until every file is written, so a failed run never leaves partial output.
 */
import { mkdirSync, writeFileSync, renameSync, rmSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

export function writeOutputFiles(dir: string, files: Record<string, string>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) {
      const p = join(staging, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    mkdirSync(dir, { recursive: true });
    // Replace only the files we own; other files a user keeps in the directory stay.
    for (const name of Object.keys(files)) {
      const target = join(dir, name);
      mkdirSync(dirname(target), { recursive: true });
      renameSync(join(staging, name), target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export function listFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
