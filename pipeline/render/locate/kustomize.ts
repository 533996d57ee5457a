/**
 * Resolves a kustomization the way `kustomize build` would for what we need: which documents it
 * includes (through resources, directories and bases), under which final name and namespace
 * (namePrefix, nameSuffix, namespace at every level), and which strategic-merge patches touch
 * each one, in the order kustomize applies them.
 */
import { posix } from 'node:path';
import type { RepoIndex } from './repo-index.js';
import { parseDocuments, documentData } from '../edit/parse-cache.js';
import { normalize, isProblem, type DocRef } from './repo-index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export interface PatchRef {
  /** The kustomization directory that lists the patch. */
  dir: string;
  file: string;
  index: number;
  data: Record<string, unknown>;
}

export interface ResolvedResource {
  doc: DocRef;
  kind: string;
  name: string;
  namespace?: string;
  /** Name at each kustomization level, innermost first: what a patch at that level must use. */
  nameAt: Map<string, string>;
  /** Patches that apply to it, innermost level first. */
  patches: PatchRef[];
  /** Kustomization directories from the innermost to the top. */
  chain: string[];
  /** The outermost `replicas:` entry naming it: kustomize sets spec.replicas from it. */
  replicas?: { dir: string; file: string; count: number };
}

export interface Kustomization {
  dir: string;
  file: string;
  data: Record<string, any>;
}

export function kustomizationIn(index: RepoIndex, dir: string): Kustomization | undefined {
  for (const f of KUSTOMIZATION_FILES) {
    const file = normalize(posix.join(dir, f));
    if (!index.exists(file)) continue;
    const docs = index.docs(file);
    if (isProblem(docs)) return undefined;
    const doc =
      docs.find((d) => d.kind === 'Kustomization' && d.apiVersion.startsWith('kustomize.config.k8s.io')) ??
      docs[0];
    if (doc) return { dir: normalize(dir), file, data: doc.data };
    // Without apiVersion/kind a kustomization is still valid for kustomize (and common); the
    // index skips kind-less documents, so read its data directly.
    const first = parseDocuments(index.read(file))[0];
    const data = first ? documentData(first) : undefined;
    return {
      dir: normalize(dir),
      file,
      data: data && typeof data === 'object' ? (data as Record<string, any>) : {},
    };
  }
  return undefined;
}

export function resolveKustomization(
  index: RepoIndex,
  dir: string,
  seen = new Set<string>(),
): ResolvedResource[] {
  const k = kustomizationIn(index, dir);
  if (!k || seen.has(k.dir)) return [];
  seen.add(k.dir);
  const out: ResolvedResource[] = [];
  const entries: string[] = [...(k.data.resources ?? []), ...(k.data.bases ?? [])].filter(
    (r) => typeof r === 'string',
  );
  for (const entry of entries) {
    if (isRemote(entry)) continue; // remote: not in this repo
    const rel = normalize(posix.join(k.dir, entry));
    if (index.isDir(rel)) {
      for (const r of resolveKustomization(index, rel, seen)) out.push(r);
    } else if (index.exists(rel)) {
      const docs = index.docs(rel);
      if (isProblem(docs)) continue;
      for (const d of docs)
        out.push({
          doc: d,
          kind: d.kind,
          name: d.name,
          namespace: d.namespace,
          nameAt: new Map(),
          patches: [],
          chain: [],
        });
    }
  }
  // Patches at this level see names before this level's prefix/suffix.
  for (const r of out) {
    r.nameAt.set(k.dir, r.name);
    r.chain.push(k.dir);
  }
  for (const p of patchesOf(index, k)) {
    for (const r of out) if (patchTargets(p, r)) r.patches.push(p);
  }
  // Components come after this level's resources and patches, and their patches reach the
  // resources accumulated so far (kustomize's order), not only their own.
  for (const entry of (k.data.components ?? []).filter((c: unknown) => typeof c === 'string')) {
    if (isRemote(entry)) continue;
    const rel = normalize(posix.join(k.dir, entry as string));
    const c = index.isDir(rel) ? kustomizationIn(index, rel) : undefined;
    if (!c || seen.has(c.dir)) continue;
    seen.add(c.dir);
    const own = resolveOwnResources(index, c, seen);
    for (const r of own) {
      r.nameAt.set(c.dir, r.name);
      r.chain.push(c.dir);
    }
    for (const r of own) {
      r.nameAt.set(k.dir, r.name);
      r.chain.push(k.dir);
    }
    out.push(...own);
    for (const p of patchesOf(index, c)) for (const r of out) if (patchTargets(p, r)) r.patches.push(p);
  }
  for (const entry of Array.isArray(k.data.replicas) ? k.data.replicas : []) {
    const count = Number(entry?.count);
    if (typeof entry?.name !== 'string' || !Number.isInteger(count)) continue;
    for (const r of out)
      if ((r.name === entry.name || r.doc.name === entry.name) && WORKLOAD_KINDS_WITH_REPLICAS.has(r.kind))
        r.replicas = { dir: k.dir, file: k.file, count };
  }
  const prefix = typeof k.data.namePrefix === 'string' ? k.data.namePrefix : '';
  const suffix = typeof k.data.nameSuffix === 'string' ? k.data.nameSuffix : '';
  for (const r of out) {
    if (r.kind !== 'Namespace') r.name = `${prefix}${r.name}${suffix}`;
    if (typeof k.data.namespace === 'string' && !CLUSTER_SCOPED.has(r.kind)) r.namespace = k.data.namespace;
  }
  return out;
}

export function isRemote(entry: string): boolean {
  return (
    /^[a-z]+:\/\//i.test(entry) ||
    entry.includes('?ref=') ||
    /^(github\.com|gitlab\.com|bitbucket\.org)\//.test(entry)
  );
}

/** A component's own resource files (their data), for the component's level of the chain. */
function resolveOwnResources(index: RepoIndex, c: Kustomization, seen: Set<string>): ResolvedResource[] {
  const out: ResolvedResource[] = [];
  for (const entry of (c.data.resources ?? []).filter((r: unknown) => typeof r === 'string')) {
    if (isRemote(entry)) continue;
    const rel = normalize(posix.join(c.dir, entry));
    if (index.isDir(rel)) out.push(...resolveKustomization(index, rel, seen));
    else if (index.exists(rel)) {
      const docs = index.docs(rel);
      if (isProblem(docs)) continue;
      for (const d of docs)
        out.push({
          doc: d,
          kind: d.kind,
          name: d.name,
          namespace: d.namespace,
          nameAt: new Map(),
          patches: [],
          chain: [],
        });
    }
  }
  return out;
}

const WORKLOAD_KINDS_WITH_REPLICAS = new Set([
  'Deployment',
  'StatefulSet',
  'ReplicaSet',
  'ReplicationController',
]);

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PriorityClass',
  'StorageClass',
  'PersistentVolume',
  'Node',
]);

function patchesOf(index: RepoIndex, k: Kustomization): PatchRef[] {
  const files: { file: string; target?: any }[] = [];
  for (const p of k.data.patches ?? []) {
    if (typeof p === 'string') files.push({ file: p });
    else if (p && typeof p.path === 'string') files.push({ file: p.path, target: p.target });
  }
  for (const p of k.data.patchesStrategicMerge ?? []) if (typeof p === 'string') files.push({ file: p });
  const out: PatchRef[] = [];
  for (const f of files) {
    const rel = normalize(posix.join(k.dir, f.file));
    if (!index.exists(rel)) continue;
    const docs = index.docs(rel);
    if (isProblem(docs)) continue;
    for (const d of docs) {
      const data = { ...d.data } as Record<string, any>;
      // A `target` selector names the object when the patch document does not.
      if (f.target?.name && !data.metadata?.name)
        data.metadata = { ...(data.metadata ?? {}), name: f.target.name };
      if (f.target?.kind && !data.kind) data.kind = f.target.kind;
      out.push({ dir: k.dir, file: rel, index: d.index, data });
    }
  }
  return out;
}

function patchTargets(p: PatchRef, r: ResolvedResource): boolean {
  const d = p.data as any;
  return (
    d.kind === r.kind &&
    d.metadata?.name === r.name &&
    (!d.metadata?.namespace || !r.namespace || d.metadata.namespace === r.namespace)
  );
}

/** Data of the resource as the kustomization builds it (base merged with its patches). */
export function effectiveData(r: ResolvedResource): any {
  let data = r.doc.data;
  for (const p of r.patches) data = strategicMerge(data, p.data);
  if (r.replicas) data = strategicMerge(data, { spec: { replicas: r.replicas.count } });
  return data;
}

/** Strategic merge for what we read: maps merge, lists of named items merge by name, else replace. */
export function strategicMerge(base: any, patch: any): any {
  if (Array.isArray(base) && Array.isArray(patch)) {
    if (
      patch.every((x) => x && typeof x === 'object' && 'name' in x) &&
      base.every((x) => x && typeof x === 'object' && 'name' in x)
    ) {
      const out = base.map((x) => ({ ...x }));
      for (const item of patch) {
        const i = out.findIndex((x) => x.name === item.name);
        if (i >= 0) out[i] = strategicMerge(out[i], item);
        else out.push(item);
      }
      return out;
    }
    return patch;
  }
  if (
    base &&
    patch &&
    typeof base === 'object' &&
    typeof patch === 'object' &&
    !Array.isArray(base) &&
    !Array.isArray(patch)
  ) {
    const out: any = { ...base };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else out[k] = k in base ? strategicMerge(base[k], v) : v;
    }
    return out;
  }
  return patch;
}
