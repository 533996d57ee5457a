/**
 * A read-only view of the GitOps checkout: YAML files and the Kubernetes documents in them,
 * parsed once. Templates and unparsable files are remembered with why, never guessed at.
 */
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, posix, sep } from 'node:path';
import { parseDocuments, documentData, firstErrorAt } from '../edit/parse-cache.js';
import { contentSha, type IndexCache } from './index-cache.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface DocRef {
  file: string;
  index: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  data: any;
}

export interface FileProblem {
  file: string;
  reason: 'template' | 'unparsable';
  /** The parser's message, or "a template, not YAML". */
  detail: string;
  /** 1-based line of the first error or template expression. */
  line?: number;
}

/** "file, line N: message", as skip reasons, validate and the PR's skipped list say it. */
export function problemText(p: FileProblem): string {
  return `${p.file}${p.line ? `, line ${p.line}` : ''}: ${p.detail}`;
}

export class RepoIndex {
  private readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, DocRef[] | FileProblem>();
  private readonly overlay = new Map<string, string>();

  /** `cache`: documents known from earlier runs by file content (index-cache.ts). */
  constructor(
    readonly root: string,
    private readonly cache?: IndexCache,
  ) {}

  /** Content as edited so far in this render (several workloads may edit one file). */
  read(rel: string): string {
    const o = this.overlay.get(rel);
    if (o !== undefined) return o;
    let t = this.texts.get(rel);
    if (t === undefined) {
      t = readFileSync(join(this.root, rel), 'utf8');
      this.texts.set(rel, t);
    }
    return t;
  }

  original(rel: string): string | null {
    return this.exists(rel, true)
      ? (this.texts.get(rel) ?? readFileSync(join(this.root, rel), 'utf8'))
      : null;
  }

  write(rel: string, text: string): void {
    this.overlay.set(rel, text);
    this.parsed.delete(rel);
  }

  written(): Map<string, string> {
    return this.overlay;
  }

  /** The edits so far, to go back to when one workload's change fails half-way. */
  snapshot(): Map<string, string> {
    return new Map(this.overlay);
  }

  restore(snapshot: Map<string, string>): void {
    for (const rel of new Set([...this.overlay.keys(), ...snapshot.keys()])) {
      if (this.overlay.get(rel) !== snapshot.get(rel)) this.parsed.delete(rel);
    }
    this.overlay.clear();
    for (const [k, v] of snapshot) this.overlay.set(k, v);
  }

  exists(rel: string, onDiskOnly = false): boolean {
    if (!onDiskOnly && this.overlay.has(rel)) return true;
    const p = join(this.root, rel);
    return existsSync(p) && statSync(p).isFile();
  }

  isDir(rel: string): boolean {
    const p = join(this.root, rel);
    return existsSync(p) && statSync(p).isDirectory();
  }

  docs(rel: string): DocRef[] | FileProblem {
    const cached = this.parsed.get(rel);
    if (cached) return cached;
    const text = this.read(rel);
    let out: DocRef[] | FileProblem;
    const template = /\{\{[\s\S]*?\}\}/.exec(text);
    const sha = this.cache && !template ? contentSha(text) : '';
    const known = sha ? this.cache!.get(rel, sha) : undefined;
    if (known) {
      out = known.map(([index, apiVersion, kind, name, namespace]) =>
        lazyDocRef(
          { file: rel, index, apiVersion, kind, name, ...(namespace !== null ? { namespace } : {}) },
          () => documentData(parseDocuments(text)[index]!),
        ),
      );
      this.parsed.set(rel, out);
      return out;
    }
    const list = parseDocuments(text);
    const bad = firstErrorAt(list, text);
    // ApplicationSets hold `{{…}}` parameters inside ordinary YAML strings; any other file with
    // them is a template (Helm, gomplate…), never read as manifests.
    const onlyAppSets =
      template &&
      !bad &&
      list.every((d) => {
        const data = documentData(d) as any;
        return data === null || data === undefined || data?.kind === 'ApplicationSet';
      });
    if (template && !onlyAppSets)
      out = {
        file: rel,
        reason: 'template',
        detail: 'a template, not YAML ({{ … }})',
        line: text.slice(0, template.index).split('\n').length,
      };
    else {
      if (bad)
        out = {
          file: rel,
          reason: 'unparsable',
          detail: bad.message,
          ...(bad.line ? { line: bad.line } : {}),
        };
      else {
        out = [];
        list.forEach((d, index) => {
          const data = documentData(d) as any;
          if (!data || typeof data !== 'object' || typeof data.kind !== 'string') return;
          (out as DocRef[]).push({
            file: rel,
            index,
            apiVersion: String(data.apiVersion ?? ''),
            kind: data.kind,
            name: String(data.metadata?.name ?? ''),
            namespace: data.metadata?.namespace,
            data,
          });
        });
        if (sha)
          this.cache!.set(
            rel,
            sha,
            out.map((d) => [d.index, d.apiVersion, d.kind, d.name, d.namespace ?? null]),
          );
      }
    }
    this.parsed.set(rel, out);
    return out;
  }

  /** YAML files under a directory (repo-relative, forward slashes), optionally recursive. */
  yamlFiles(relDir: string, recursive = true): string[] {
    const out: string[] = [];
    const walk = (rel: string): void => {
      const abs = join(this.root, rel);
      if (!existsSync(abs)) return;
      for (const name of readdirSync(abs).sort()) {
        if (name.startsWith('.')) continue;
        const child = rel ? posix.join(rel, name) : name;
        const st = statSync(join(abs, name));
        if (st.isDirectory()) {
          if (recursive) walk(child);
        } else if (/\.ya?ml$/i.test(name)) out.push(child);
      }
    };
    walk(normalize(relDir));
    for (const rel of this.overlay.keys())
      if (rel.startsWith(normalize(relDir) ? `${normalize(relDir)}/` : '') && !out.includes(rel))
        out.push(rel);
    return out;
  }

  rel(abs: string): string {
    return relative(this.root, abs).split(sep).join('/');
  }
}

/**
 * A document known from the cache: its data is parsed when first read (an own, enumerable
 * property, so a spread copies the value like a plain DocRef's).
 */
function lazyDocRef(id: Omit<DocRef, 'data'>, load: () => unknown): DocRef {
  const ref = { ...id } as DocRef;
  Object.defineProperty(ref, 'data', {
    enumerable: true,
    configurable: true,
    get() {
      const data = load();
      Object.defineProperty(ref, 'data', {
        value: data,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return data;
    },
  });
  return ref;
}

export function normalize(rel: string): string {
  const n = posix
    .normalize(rel.replace(/\\/g, '/'))
    .replace(/^\.\/?/, '')
    .replace(/\/$/, '');
  return n === '.' ? '' : n;
}

export function isProblem(x: DocRef[] | FileProblem): x is FileProblem {
  return !Array.isArray(x);
}
