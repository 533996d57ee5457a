/**
 * What the repository index learns from a file, kept between runs by the file's content: which
 * Kubernetes documents it holds (index, apiVersion, kind, name, namespace), nothing of their
 * data. A scheduled run finds a workload's manifest by searching every YAML file under the root,
 * and parsing them all was a third of render at 20,000 containers; a file whose bytes did not
 * change since the last run is not parsed until something needs its data (the edit itself).
 *
 * It lives in the cluster's state folder beside the usage checkpoint. Any entry is valid for its
 * content hash, so two runs writing it at once only race to the same answer; one of another
 * version or parser is rebuilt; a file by that name it did not write is left alone, unused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type { Logger } from '../../core/logger.js';

export const INDEX_CACHE_FILE = 'repo-index.json';
const KIND = 'TidemarkRepoIndexCache';
const VERSION = 1;

/** A document's identity: [index in the file, apiVersion, kind, name, namespace or null]. */
export type CachedDoc = [number, string, string, string, string | null];

export interface IndexCache {
  /** The documents of `rel` when its content hashes to `sha`, as a run saw them before. */
  get(rel: string, sha: string): CachedDoc[] | undefined;
  set(rel: string, sha: string, docs: CachedDoc[]): void;
  /** Writes the entries this run used or learnt (files gone from the repository age out). */
  save(): void;
}

interface CacheFile {
  kind: typeof KIND;
  version: number;
  /** The YAML parser's version: another parser may see other documents. */
  parser: string;
  files: Record<string, { sha: string; docs: CachedDoc[] }>;
}

export function contentSha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function parserVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('yaml/package.json') as { version: string }).version;
}

export function openIndexCache(dir: string, logger?: Logger): IndexCache {
  const file = join(dir, INDEX_CACHE_FILE);
  const parser = parserVersion();
  let known: CacheFile['files'] = {};
  let writable = true;
  if (existsSync(file)) {
    let doc: Partial<CacheFile> | undefined;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8')) as Partial<CacheFile>;
    } catch {
      doc = undefined;
    }
    if (doc?.kind !== KIND) {
      // Written by rename, ours is never half-written: this is someone else's file.
      writable = false;
      logger?.warn('repository index cache: the file is not ours, left as it is and not used', { file });
    } else if (doc.version === VERSION && doc.parser === parser && doc.files && typeof doc.files === 'object')
      known = doc.files;
  }
  const used: CacheFile['files'] = {};
  return {
    get(rel, sha) {
      const hit = Object.hasOwn(known, rel) ? known[rel] : undefined;
      if (!hit || hit.sha !== sha || !Array.isArray(hit.docs)) return undefined;
      used[rel] = hit;
      return hit.docs;
    },
    set(rel, sha, docs) {
      used[rel] = { sha, docs };
    },
    save() {
      if (!writable) return;
      const out: CacheFile = { kind: KIND, version: VERSION, parser, files: used };
      mkdirSync(dir, { recursive: true });
      const tmp = join(dir, `.${INDEX_CACHE_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      writeFileSync(tmp, JSON.stringify(out) + '\n', { mode: 0o600 });
      renameSync(tmp, file);
    },
  };
}
