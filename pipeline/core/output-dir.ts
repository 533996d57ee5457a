/**
 * Writes a set of output files all-or-nothing: files go to a temporary sibling directory that
 * replaces nothing until every file is written, so a failed run never leaves partial output.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** A file's content: text, or text in pieces (written as they come, never joined in memory). */
export type OutputContent = string | Iterable<string>;

export function writeOutputFiles(dir: string, files: Record<string, OutputContent>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const staging = join(parent, `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(staging, { recursive: true });
  try {
    for (const [name, content] of Object.entries(files)) {
      const p = join(staging, name);
      mkdirSync(dirname(p), { recursive: true });
      if (typeof content === 'string') writeFileSync(p, content);
      else writePieces(p, content);
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

/** Small pieces are gathered into ~1 MiB writes. */
function writePieces(path: string, pieces: Iterable<string>): void {
  const fd = openSync(path, 'w');
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = (): void => {
      if (!pending.length) return;
      writeSync(fd, pending.join(''));
      pending = [];
      size = 0;
    };
    for (const piece of pieces) {
      pending.push(piece);
      size += piece.length;
      if (size >= 1 << 20) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
}
