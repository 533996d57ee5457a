/**
 * The GitOps engines' own tracking, followed before any search: an Argo CD Application (found
 * from the tracking-id annotation or the instance label) or a Flux Kustomization (from its
 * labels) names the repository path that produces the live object.
 */
import type { GitOpsTracking } from '../../model/types.js';
import type { RepoIndex } from './repo-index.js';
import { normalize, isProblem, type DocRef } from './repo-index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface EngineSource {
  via: string;
  /** Repo-relative directory the engine builds. */
  path: string;
  /** Helm sources: value files (repo-relative, in order; the last wins). */
  valueFiles?: string[];
  helm?: boolean;
  /** Argo CD directory sources recurse only when asked. */
  recurse?: boolean;
}

export type EngineLookup =
  { source: EngineSource } | { error: string; reason: 'not-in-git' | 'ambiguous-source' } | undefined;

export class GitOpsEngines {
  private apps?: Map<string, DocRef[]>;
  private kustomizations?: Map<string, DocRef[]>;

  constructor(
    private readonly index: RepoIndex,
    private readonly opts: { argocdDir?: string; fluxDir?: string },
  ) {}

  lookup(tracking: GitOpsTracking): EngineLookup {
    const argoApp = tracking.argocdTrackingId?.split(':')[0] ?? tracking.argocdInstance;
    if (argoApp) return this.argo(argoApp, tracking.argocdTrackingId ? 'tracking-id' : 'instance label');
    if (tracking.fluxKustomization)
      return this.flux(tracking.fluxKustomization.name, tracking.fluxKustomization.namespace);
    return undefined;
  }

  /** The Application or Kustomization document that syncs an object with this tracking, if unique. */
  engineDocument(
    tracking: GitOpsTracking,
  ): { engine: 'argocd' | 'flux'; name: string; doc: DocRef } | undefined {
    const argoApp = tracking.argocdTrackingId?.split(':')[0] ?? tracking.argocdInstance;
    if (argoApp) {
      this.apps ??= this.collect(
        (d) => d.kind === 'Application' && d.apiVersion.startsWith('argoproj.io/'),
        this.opts.argocdDir,
      );
      const found = this.apps.get(argoApp) ?? [];
      return found.length === 1 ? { engine: 'argocd', name: argoApp, doc: found[0]! } : undefined;
    }
    if (tracking.fluxKustomization) {
      this.kustomizations ??= this.collect(
        (d) => d.kind === 'Kustomization' && d.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'),
        this.opts.fluxDir,
        true,
      );
      const key = `${tracking.fluxKustomization.namespace}/${tracking.fluxKustomization.name}`;
      const found = this.kustomizations.get(key) ?? [];
      return found.length === 1 ? { engine: 'flux', name: key, doc: found[0]! } : undefined;
    }
    return undefined;
  }

  private argo(app: string, how: string): EngineLookup {
    this.apps ??= this.collect(
      (d) => d.kind === 'Application' && d.apiVersion.startsWith('argoproj.io/'),
      this.opts.argocdDir,
    );
    const found = this.apps.get(app) ?? [];
    if (found.length === 0)
      return {
        reason: 'not-in-git',
        error: `Argo CD Application "${app}" (from the ${how}) is not in the repository`,
      };
    if (found.length > 1)
      return {
        reason: 'ambiguous-source',
        error: `Argo CD Application "${app}" is defined in ${found.map((d) => d.file).join(' and ')}`,
      };
    const spec = found[0]!.data.spec ?? {};
    const sources: any[] = spec.source ? [spec.source] : Array.isArray(spec.sources) ? spec.sources : [];
    const withPath = sources.filter((s) => typeof s?.path === 'string');
    if (withPath.length !== 1) {
      return {
        reason: withPath.length ? 'ambiguous-source' : 'not-in-git',
        error: `Argo CD Application "${app}" has ${withPath.length} sources with a path in this repository`,
      };
    }
    const s = withPath[0]!;
    const path = normalize(s.path);
    const valueFiles: string[] = [];
    for (const vf of s.helm?.valueFiles ?? []) {
      if (typeof vf !== 'string') continue;
      // `$values/...` refers to another source (multi-source apps); plain paths are relative to the chart.
      valueFiles.push(
        vf.startsWith('$') ? normalize(vf.replace(/^\$[^/]+\//, '')) : normalize(`${path}/${vf}`),
      );
    }
    return {
      source: {
        via: `argocd:${app}`,
        path,
        valueFiles,
        helm: !!s.helm || s.chart !== undefined,
        recurse: s.directory?.recurse === true,
      },
    };
  }

  private flux(name: string, namespace: string): EngineLookup {
    this.kustomizations ??= this.collect(
      (d) => d.kind === 'Kustomization' && d.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'),
      this.opts.fluxDir,
      true,
    );
    const key = `${namespace}/${name}`;
    const found = this.kustomizations.get(key) ?? [];
    if (found.length === 0)
      return { reason: 'not-in-git', error: `Flux Kustomization ${key} is not in the repository` };
    if (found.length > 1)
      return {
        reason: 'ambiguous-source',
        error: `Flux Kustomization ${key} is defined in ${found.map((d) => d.file).join(' and ')}`,
      };
    const path = found[0]!.data.spec?.path;
    if (typeof path !== 'string')
      return { reason: 'not-in-git', error: `Flux Kustomization ${key} has no spec.path` };
    return { source: { via: `flux:${key}`, path: normalize(path), recurse: true } };
  }

  private collect(
    pred: (d: DocRef) => boolean,
    dir: string | undefined,
    namespaced = false,
  ): Map<string, DocRef[]> {
    const out = new Map<string, DocRef[]>();
    for (const f of this.index.yamlFiles(dir ?? '')) {
      const docs = this.index.docs(f);
      if (isProblem(docs)) continue;
      for (const d of docs.filter(pred)) {
        const key = namespaced ? `${d.namespace ?? 'flux-system'}/${d.name}` : d.name;
        out.set(key, [...(out.get(key) ?? []), d]);
      }
    }
    return out;
  }
}
