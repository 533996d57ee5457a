/**
 * Argo CD ApplicationSets in Git, expanded the way the controller does for what render needs (the
 * generated Applications' names, sources and value files): list, cluster, git directory and git
 * file generators, and a matrix of two of them; fasttemplate (`{{path.basename}}`) and goTemplate
 * (`{{.path.basename}}`, `{{index .path.segments 1}}`) parameters. A template expression we cannot
 * evaluate leaves that Application out rather than guessing its path.
 */
import { posix, join } from 'node:path';
import { readdirSync } from 'node:fs';
import { parse } from 'yaml';
import type { RepoIndex } from './repo-index.js';
import { isProblem, normalize } from './repo-index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface GeneratedApp {
  name: string;
  spec: any;
  origin: string;
  live: false;
}

type Params = Record<string, any>;

export function expandApplicationSets(
  index: RepoIndex,
  dir: string | undefined,
  cluster: string | undefined,
): Map<string, GeneratedApp[]> {
  const out = new Map<string, GeneratedApp[]>();
  for (const f of index.yamlFiles(dir ?? '')) {
    const docs = index.docs(f);
    if (isProblem(docs)) continue;
    for (const d of docs) {
      if (d.kind !== 'ApplicationSet' || !d.apiVersion.startsWith('argoproj.io/')) continue;
      const spec = d.data.spec ?? {};
      const go = spec.goTemplate === true;
      const sets = (spec.generators ?? []).flatMap((g: any) => generate(index, g, go, cluster));
      for (const p of sets) {
        const app = substitute(spec.template ?? {}, p, go);
        if (app === UNRESOLVED || typeof app?.metadata?.name !== 'string') continue;
        const name = app.metadata.name as string;
        out.set(name, [
          ...(out.get(name) ?? []),
          { name, spec: app.spec ?? {}, origin: `ApplicationSet ${d.name} (${f})`, live: false },
        ]);
      }
    }
  }
  return out;
}

function generate(index: RepoIndex, g: any, go: boolean, cluster: string | undefined): Params[] {
  if (Array.isArray(g?.list?.elements)) return g.list.elements.filter((e: any) => e && typeof e === 'object');
  if (g?.clusters !== undefined) {
    // The cluster generator yields one parameter set per registered cluster Secret; the one this
    // run reads is the cluster of the config.
    if (!cluster) return [];
    const values = g.clusters?.values ?? {};
    return [{ name: cluster, nameNormalized: cluster, server: 'https://kubernetes.default.svc', values }];
  }
  if (g?.git) return gitGenerator(index, g.git, go);
  if (Array.isArray(g?.matrix?.generators) && g.matrix.generators.length === 2) {
    const [a, b] = g.matrix.generators.map((x: any) => generate(index, x, go, cluster));
    return a!.flatMap((x: Params) => b!.map((y: Params) => ({ ...x, ...y })));
  }
  return [];
}

function gitGenerator(index: RepoIndex, git: any, go: boolean): Params[] {
  const out: Params[] = [];
  const allDirs = (): string[] => {
    const dirs = new Set<string>();
    for (const f of index.yamlFiles('')) {
      let d = posix.dirname(f);
      while (d && d !== '.') {
        dirs.add(d);
        d = posix.dirname(d);
      }
    }
    return [...dirs].sort();
  };
  if (Array.isArray(git.directories)) {
    const include = git.directories.filter((x: any) => x?.exclude !== true).map((x: any) => String(x.path));
    const exclude = git.directories.filter((x: any) => x?.exclude === true).map((x: any) => String(x.path));
    for (const d of allDirs())
      if (include.some((p: string) => glob(p, d)) && !exclude.some((p: string) => glob(p, d)))
        out.push(pathParams(d, go));
  }
  if (Array.isArray(git.files)) {
    for (const spec of git.files) {
      const pattern = String(spec?.path ?? '');
      const candidates = allFiles(index.root);
      for (const f of candidates.filter((x) => glob(pattern, x))) {
        let data: any;
        try {
          data = parse(index.read(f));
        } catch {
          continue;
        }
        for (const item of Array.isArray(data) ? data : [data]) {
          if (!item || typeof item !== 'object') continue;
          const dirParams = pathParams(posix.dirname(f), go);
          out.push(go ? { ...item, ...dirParams } : { ...flatten(item), ...dirParams });
        }
      }
    }
  }
  return out;
}

/** Every file of the checkout (config files may be JSON), repo-relative; dot folders left out. */
function allFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

function pathParams(dir: string, go: boolean): Params {
  const d = normalize(dir);
  const segments = d.split('/');
  const basename = segments.at(-1) ?? '';
  const normalized = basename.replace(/[^a-zA-Z0-9-.]/g, '-').toLowerCase();
  if (go) return { path: { path: d, basename, basenameNormalized: normalized, segments } };
  const p: Params = {
    path: d,
    'path.path': d,
    'path.basename': basename,
    'path.basenameNormalized': normalized,
  };
  segments.forEach((s, i) => (p[`path[${i}]`] = s));
  return p;
}

function flatten(o: any, prefix = '', out: Params = {}): Params {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

/** Path glob as Argo CD's git generator reads it: `*` within a segment, `**` across segments. */
function glob(pattern: string, path: string): boolean {
  const re = normalize(pattern)
    .split(/(\*\*|\*|\?)/)
    .map((part) =>
      part === '**'
        ? '.*'
        : part === '*'
          ? '[^/]*'
          : part === '?'
            ? '[^/]'
            : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^${re}$`).test(normalize(path));
}

const UNRESOLVED = Symbol('unresolved');

function substitute(node: any, p: Params, go: boolean): any {
  if (typeof node === 'string') {
    let failed = false;
    const text = node.replace(/\{\{-?\s*(.*?)\s*-?\}\}/g, (_, expr: string) => {
      const v = go ? goValue(expr, p) : p[expr];
      if (v === undefined || (typeof v === 'object' && v !== null)) {
        failed = true;
        return '';
      }
      return String(v);
    });
    return failed ? UNRESOLVED : text;
  }
  if (Array.isArray(node)) {
    const items = node.map((x) => substitute(x, p, go));
    return items.includes(UNRESOLVED) ? UNRESOLVED : items;
  }
  if (node && typeof node === 'object') {
    const out: any = {};
    for (const [k, v] of Object.entries(node)) {
      const s = substitute(v, p, go);
      if (s === UNRESOLVED) return UNRESOLVED;
      out[k] = s;
    }
    return out;
  }
  return node;
}

function goValue(expr: string, p: Params): unknown {
  const idx = /^index\s+\.([\w.]+)\s+(\d+)$/.exec(expr);
  if (idx) {
    const list = dig(p, idx[1]!);
    return Array.isArray(list) ? list[Number(idx[2])] : undefined;
  }
  const m = /^\.([\w.]+)$/.exec(expr);
  return m ? dig(p, m[1]!) : undefined;
}

function dig(p: Params, dotted: string): unknown {
  return dotted.split('.').reduce((acc: any, k) => (acc && typeof acc === 'object' ? acc[k] : undefined), p);
}
