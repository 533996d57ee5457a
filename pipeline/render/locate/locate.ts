/**
 * Where a live workload comes from in the repository. The engine's own tracking is followed
 * first (Argo CD Application or Flux Kustomization → path); only without it do we search under
 * the cluster's root. Two candidate sources is ambiguous: we skip, never guess.
 */
import { posix } from 'node:path';
import type { RepoConfig, HelmReleaseConfig } from '../../config/types.js';
import type { WorkloadModel } from '../../model/types.js';
import type { RepoIndex } from './repo-index.js';
import { normalize, isProblem, type DocRef } from './repo-index.js';
import { GitOpsEngines } from './gitops-engines.js';
import { kustomizationIn, resolveKustomization, type ResolvedResource } from './kustomize.js';
import { isChart } from './helm.js';

export type Location =
  | { flavour: 'plain-manifest'; via: string; file: string; docIndex: number; dir: string }
  | { flavour: 'kustomize'; via: string; overlay: string; resource: ResolvedResource }
  | {
      flavour: 'helm-values';
      via: string;
      chartDir: string;
      valueFiles: string[];
      editFile: string;
      config?: HelmReleaseConfig;
    };

export type LocateResult =
  { location: Location } | { skip: { reason: 'not-in-git' | 'ambiguous-source'; detail: string } };

export interface ObjectId {
  kind: string;
  name: string;
  namespace?: string;
  gitops: WorkloadModel['gitops'];
}

export class Locator {
  private readonly engines: GitOpsEngines;
  private searchCache?: SearchIndex;

  constructor(
    private readonly index: RepoIndex,
    private readonly repo: RepoConfig,
  ) {
    this.engines = new GitOpsEngines(index, {
      argocdDir: repo.argocd?.applications,
      fluxDir: repo.flux?.kustomizations,
    });
  }

  locate(w: ObjectId): LocateResult {
    const engine = this.engines.lookup(w.gitops);
    if (engine && 'error' in engine) return { skip: { reason: engine.reason, detail: engine.error } };
    if (engine)
      return this.inSource(
        w,
        engine.source.path,
        engine.source.via,
        engine.source.valueFiles ?? [],
        engine.source.recurse ?? false,
      );
    const helm = this.repo.helm?.find((h) =>
      h.workloads?.some(
        (x) => x.kind === w.kind && x.name === w.name && (!x.namespace || x.namespace === w.namespace),
      ),
    );
    if (helm)
      return {
        location: {
          flavour: 'helm-values',
          via: 'config',
          chartDir: normalize(helm.chart),
          valueFiles: [normalize(helm.values)],
          editFile: normalize(helm.values),
          config: helm,
        },
      };
    return this.search(w);
  }

  private inSource(
    w: ObjectId,
    dir: string,
    via: string,
    valueFiles: string[],
    recurse: boolean,
  ): LocateResult {
    if (!this.index.isDir(dir))
      return {
        skip: {
          reason: 'not-in-git',
          detail: `${via} points at ${dir || '.'}, which is not a directory in the repository`,
        },
      };
    if (isChart(this.index, dir)) {
      const config = this.repo.helm?.find((h) => normalize(h.chart) === dir);
      const files = valueFiles.length ? valueFiles : config ? [normalize(config.values)] : [];
      const editFile = files.at(-1);
      if (!editFile)
        return {
          skip: {
            reason: 'not-in-git',
            detail: `${via} renders the chart ${dir} without a values file for this cluster; the chart's own values.yaml is shared and never edited`,
          },
        };
      return {
        location: { flavour: 'helm-values', via, chartDir: dir, valueFiles: files, editFile, config },
      };
    }
    if (kustomizationIn(this.index, dir)) {
      const found = resolveKustomization(this.index, dir).filter((r) =>
        matches(r.kind, r.name, r.namespace, w),
      );
      if (found.length === 1)
        return { location: { flavour: 'kustomize', via, overlay: dir, resource: found[0]! } };
      return found.length
        ? {
            skip: {
              reason: 'ambiguous-source',
              detail: `${via}: ${dir} builds ${w.kind} ${w.name} from ${found.map((f) => f.doc.file).join(' and ')}`,
            },
          }
        : { skip: { reason: 'not-in-git', detail: `${via}: ${dir} does not build ${w.kind} ${w.name}` } };
    }
    const docs = this.docsUnder(dir, recurse).filter((d) => matches(d.kind, d.name, d.namespace, w));
    if (docs.length === 1)
      return {
        location: { flavour: 'plain-manifest', via, file: docs[0]!.file, docIndex: docs[0]!.index, dir },
      };
    return docs.length
      ? {
          skip: {
            reason: 'ambiguous-source',
            detail: `${via}: ${w.kind} ${w.name} is defined in ${docs.map((d) => d.file).join(' and ')}`,
          },
        }
      : {
          skip: {
            reason: 'not-in-git',
            detail: `${via}: no manifest for ${w.kind} ${w.name} under ${dir || '.'}`,
          },
        };
  }

  private search(w: ObjectId): LocateResult {
    const root = normalize(this.repo.root);
    const cache = (this.searchCache ??= this.buildSearch(root));
    const candidates: Location[] = [];
    const same = cache.byKindName.get(kindName(w.kind, w.name));
    for (const { dir, r } of same?.resources ?? []) {
      if (matches(r.kind, r.name, r.namespace, w))
        candidates.push({ flavour: 'kustomize', via: 'search', overlay: dir, resource: r });
    }
    for (const d of (same?.docs ?? []).filter(
      (x) => !cache.included.has(x.file) && matches(x.kind, x.name, x.namespace, w),
    )) {
      candidates.push({
        flavour: 'plain-manifest',
        via: 'search',
        file: d.file,
        docIndex: d.index,
        dir: posix.dirname(d.file),
      });
    }
    if (candidates.length === 1) return { location: candidates[0]! };
    if (!candidates.length)
      return {
        skip: {
          reason: 'not-in-git',
          detail: `no manifest for ${w.kind} ${w.namespace ?? ''}/${w.name} under ${root || 'the repository root'}, and it carries no Argo CD or Flux tracking`,
        },
      };
    const where = candidates.map((c) =>
      c.flavour === 'kustomize'
        ? `${c.overlay}/ (kustomize)`
        : c.flavour === 'plain-manifest'
          ? c.file
          : c.editFile,
    );
    return {
      skip: {
        reason: 'ambiguous-source',
        detail: `${w.kind} ${w.name} could come from ${where.join(' or ')}; refusing to guess`,
      },
    };
  }

  /** Top-level kustomizations under root (those no other kustomization includes). */
  private buildSearch(root: string): SearchIndex {
    const dirs = new Set<string>();
    for (const f of this.index.yamlFiles(root))
      if (/(^|\/)(kustomization\.ya?ml)$/.test(f)) dirs.add(posix.dirname(f) === '.' ? '' : posix.dirname(f));
    const all = new Map<string, ResolvedResource[]>();
    for (const d of dirs) all.set(d, resolveKustomization(this.index, d));
    const includedDirs = new Set<string>();
    const included = new Set<string>();
    for (const [d, rs] of all) {
      for (const r of rs) {
        included.add(r.doc.file);
        for (const c of r.chain) if (c !== d) includedDirs.add(c);
        for (const p of r.patches) included.add(p.file);
      }
      const k = kustomizationIn(this.index, d);
      if (k) included.add(k.file);
    }
    const byKindName: SearchIndex['byKindName'] = new Map();
    const entry = (kind: string, name: string) => {
      const k = kindName(kind, name);
      let e = byKindName.get(k);
      if (!e) byKindName.set(k, (e = { resources: [], docs: [] }));
      return e;
    };
    for (const [dir, rs] of all)
      if (!includedDirs.has(dir)) for (const r of rs) entry(r.kind, r.name).resources.push({ dir, r });
    for (const d of this.docsUnder(root, true)) entry(d.kind, d.name).docs.push(d);
    return { byKindName, included };
  }

  private docsUnder(dir: string, recursive: boolean): DocRef[] {
    const out: DocRef[] = [];
    for (const f of this.index.yamlFiles(dir, recursive)) {
      const docs = this.index.docs(f);
      if (!isProblem(docs)) out.push(...docs);
    }
    return out;
  }
}

/**
 * Every object under root, listed once and keyed by kind and name (our edits change values, never
 * kinds or names): a search is a lookup, not a scan of every document per workload.
 */
interface SearchIndex {
  byKindName: Map<string, { resources: { dir: string; r: ResolvedResource }[]; docs: DocRef[] }>;
  /** Files a top-level kustomization already renders: found through it, not as plain manifests. */
  included: Set<string>;
}

const kindName = (kind: string, name: string): string => `${kind}\u0000${name}`;

function matches(kind: string, name: string, namespace: string | undefined, w: ObjectId): boolean {
  return kind === w.kind && name === w.name && (!namespace || !w.namespace || namespace === w.namespace);
}
