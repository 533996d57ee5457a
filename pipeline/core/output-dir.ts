/**
 * Output directories: the one place that decides whether a command may write into a directory,
 * and that writes there all-or-nothing.
 *
 * The rule: never destroy what Tidemark did not write (`snapshot --out .` once emptied a user's
 * checkout, `.git` included). A directory receives our output only if it is missing, empty, or
 * holds a previous output of ours and nothing else: the marker file OUTPUT_MARKER, which names
 * what wrote it and every file it wrote, plus those files. Anything else is refused with a
 * ConfigError (exit 2) naming the directory and what in it is not ours, and nothing is touched.
 * A previous output is replaced as a whole, so no stale file of an earlier run lies beside the
 * new ones.
 *
 * Every command that writes files comes through here: plan, apply and run (`--out`), demo and
 * snapshot. A future command that writes files (`report`) must too.
 */
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './errors.js';
import { tidemarkVersion } from './version.js';

/** A file's content: text, or text in pieces (written as they come, never joined in memory). */
export type OutputContent = string | Iterable<string>;

/** Marks a directory as Tidemark's output; lists every file we wrote there. */
export const OUTPUT_MARKER = '.tidemark-output';

/** Where files are written before they replace anything; a crashed run's leftover is ours too. */
const STAGING_PREFIX = '.tidemark-staging-';

export interface OutputMarker {
  writtenBy: 'tidemark';
  version: string;
  command: string;
  /** Paths relative to the directory, `/`-separated. */
  files: string[];
}

/**
 * Resolves a command's `--out` and checks the rule before any work, so a refusal costs nothing.
 * `-` (stdout) is refused: every command that takes `--out` writes several files.
 */
export function outputDir(arg: string, command: string): string {
  if (arg === '-')
    throw new ConfigError(
      `"-" is not a directory: ${command} writes several files, so it cannot write them to stdout; give a directory`,
      { field: '--out' },
    );
  if (!arg.trim()) throw new ConfigError('the output directory is empty', { field: '--out' });
  const dir = resolve(arg);
  assertReplaceable(dir, command);
  return dir;
}

/**
 * Throws unless `dir` is missing, empty, or holds only a previous output of ours. Reads only the
 * top level, and below it only directories we wrote ourselves (`--out ~` stays cheap to refuse).
 */
export function assertReplaceable(dir: string, command: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new ConfigError(`is not a directory; refusing to replace it with ${command}'s output`, {
      file: dir,
      field: '--out',
    });
  const strangers = foreignEntries(dir);
  if (!strangers.length) return;
  const shown =
    strangers.slice(0, 5).join(', ') + (strangers.length > 5 ? `, and ${strangers.length - 5} more` : '');
  throw new ConfigError(
    `holds files Tidemark did not write (${shown}); refusing to write ${command}'s output there. ` +
      `Tidemark writes only into a missing or empty directory, or one holding its own previous ` +
      `output (marked by ${OUTPUT_MARKER}). Choose another --out`,
    { file: dir, field: '--out' },
  );
}

/**
 * Writes the files all-or-nothing and marks the directory as ours: files go to a staging
 * directory that replaces nothing until every file is written, so a failed run leaves the
 * previous output as it was. The rule is checked again right before anything is replaced.
 */
export function writeOutputFiles(dir: string, files: Record<string, OutputContent>, command: string): void {
  const names = Object.keys(files);
  for (const n of names)
    if (
      n === OUTPUT_MARKER ||
      n.startsWith(STAGING_PREFIX) ||
      n.split('/').includes('..') ||
      n.startsWith('/')
    )
      throw new Error(`output file name not allowed: ${n}`);
  assertReplaceable(dir, command);
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  // Staged inside the directory itself: same filesystem for the renames (a mounted volume
  // cannot be renamed, nor replaced from a sibling on another device), and a cwd stays valid.
  const staging = join(dir, `${STAGING_PREFIX}${process.pid}-${Date.now()}`);
  mkdirSync(staging);
  // Thousands of PR previews share a few folders: each is made once, not once per file.
  const made = new Set<string>();
  const folder = (p: string): void => {
    const d = dirname(p);
    if (made.has(d)) return;
    mkdirSync(d, { recursive: true });
    made.add(d);
  };
  try {
    for (const [name, content] of Object.entries(files)) {
      const p = join(staging, name);
      folder(p);
      if (typeof content === 'string') writeFileSync(p, content);
      else writePieces(p, content);
    }
    assertReplaceable(dir, command);
    const old = readMarker(dir)?.files ?? [];
    // The marker lists old and new files while they are swapped, so an interrupted swap still
    // leaves a directory that is entirely ours.
    writeMarker(dir, command, [...new Set([...old, ...names])]);
    for (const name of names) {
      folder(join(dir, name));
      renameSync(join(staging, name), join(dir, name));
    }
    const kept = new Set(names);
    for (const name of old.filter((n) => !kept.has(n))) removeOurFile(dir, name);
    writeMarker(dir, command, names);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (created) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  removeDeadStaging(dir);
}

/** What in `dir` is not ours: `name`, or `name/` for a directory. */
function foreignEntries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir)
    .filter((n) => !n.startsWith(STAGING_PREFIX))
    .sort();
  if (!entries.length) return [];
  const marker = entries.includes(OUTPUT_MARKER) ? readMarker(dir) : undefined;
  const ours = new Set(marker?.files ?? []);
  const strangers: string[] = [];
  const visit = (rel: string): void => {
    const st = lstatSync(join(dir, rel));
    if (st.isDirectory()) {
      // A directory is ours only if we wrote files below it; then each entry must be ours too.
      if (![...ours].some((f) => f.startsWith(rel + '/'))) strangers.push(rel + '/');
      else for (const n of readdirSync(join(dir, rel)).sort()) visit(`${rel}/${n}`);
    } else if (!(st.isFile() && ours.has(rel))) strangers.push(rel);
  };
  for (const n of entries) {
    if (n === OUTPUT_MARKER) {
      if (!marker) strangers.push(`${n} (not one Tidemark wrote)`);
      continue;
    }
    visit(n);
  }
  return strangers;
}

function readMarker(dir: string): OutputMarker | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')) as Partial<OutputMarker>;
    if (
      m.writtenBy === 'tidemark' &&
      Array.isArray(m.files) &&
      m.files.every((f) => typeof f === 'string' && f && !f.split('/').includes('..') && !f.startsWith('/'))
    )
      return m as OutputMarker;
  } catch {
    // not ours: reported by the caller as a file we did not write
  }
  return undefined;
}

function writeMarker(dir: string, command: string, files: string[]): void {
  const marker: OutputMarker & { about: string } = {
    about: `Tidemark's output. The next run with --out here replaces the files listed below as a whole, and refuses if anything else is here.`,
    writtenBy: 'tidemark',
    version: tidemarkVersion(),
    command,
    files: [...files].sort(),
  };
  // Written beside and renamed, so a marker is never half-written; the temporary name is ours.
  const tmp = join(dir, `${STAGING_PREFIX}marker-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(marker, null, 2) + '\n');
  renameSync(tmp, join(dir, OUTPUT_MARKER));
}

/** Staging left by a run that crashed (its process is gone); a live run's is left alone. */
function removeDeadStaging(dir: string): void {
  for (const name of readdirSync(dir).filter((n) => n.startsWith(STAGING_PREFIX))) {
    const pid = Number(/(\d+)/.exec(name.slice(STAGING_PREFIX.length))?.[1]);
    if (pid !== process.pid && processAlive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes a file we listed, and the directories above it we made that are now empty. */
function removeOurFile(dir: string, rel: string): void {
  const p = join(dir, rel);
  if (existsSync(p) && lstatSync(p).isFile()) unlinkSync(p);
  for (let d = dirname(rel); d !== '.' && d !== ''; d = dirname(d)) {
    try {
      rmdirSync(join(dir, d));
    } catch {
      break; // not empty: something else of ours is still there
    }
  }
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
