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

/** One engine document and the repository path it builds, for telling who else syncs a folder. */
export interface EngineBuild {
  engine: 'argocd' | 'flux';
  /** "argocd:<app>" or "flux:<namespace>/<name>", the same text as EngineSource.via. */
  key: string;
  file: string;
  path: string;
  recurse: boolean;
}

/** The document that syncs an object, where the ignore rules for the fields it hands over go. */
export interface EngineDocument {
  engine: 'argocd' | 'flux' | 'flux-helm';
  name: string;
  doc: DocRef;
}

export type EngineLookup =
  { source: EngineSource } | { error: string; reason: 'not-in-git' | 'ambiguous-source' } | undefined;

export class GitOpsEngines {
  private apps?: Map<string, DocRef[]>;
  private kustomizations?: Map<string, DocRef[]>;
  private releases?: Map<string, DocRef[]>;

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

  /**
   * The Application, HelmRelease or Kustomization document that syncs an object with this
   * tracking, if unique. A HelmRelease's label comes before a Kustomization's: the release is what
   * applies its objects (the Kustomization only applies the HelmRelease).
   */
  engineDocument(tracking: GitOpsTracking): EngineDocument | undefined {
    const argoApp = tracking.argocdTrackingId?.split(':')[0] ?? tracking.argocdInstance;
    if (argoApp) {
      const found = this.applications().get(argoApp) ?? [];
      return found.length === 1 ? { engine: 'argocd', name: argoApp, doc: found[0]! } : undefined;
    }
    if (tracking.fluxHelmRelease) {
      this.releases ??= this.collect(
        (d) => d.kind === 'HelmRelease' && d.apiVersion.startsWith('helm.toolkit.fluxcd.io/'),
        // HelmReleases live beside the apps they deploy, not with the cluster's Kustomizations.
        undefined,
        true,
      );
      const key = `${tracking.fluxHelmRelease.namespace}/${tracking.fluxHelmRelease.name}`;
      const found = this.releases.get(key) ?? [];
      return found.length === 1 ? { engine: 'flux-helm', name: key, doc: found[0]! } : undefined;
    }
    if (tracking.fluxKustomization) {
      const key = `${tracking.fluxKustomization.namespace}/${tracking.fluxKustomization.name}`;
      const found = this.fluxKustomizations().get(key) ?? [];
      return found.length === 1 ? { engine: 'flux', name: key, doc: found[0]! } : undefined;
    }
    return undefined;
  }

  /** The key (EngineBuild.key) of the engine document that syncs an object with this tracking. */
  keyOf(tracking: GitOpsTracking): string | undefined {
    const argoApp = tracking.argocdTrackingId?.split(':')[0] ?? tracking.argocdInstance;
    if (argoApp) return `argocd:${argoApp}`;
    if (tracking.fluxKustomization)
      return `flux:${tracking.fluxKustomization.namespace}/${tracking.fluxKustomization.name}`;
    return undefined;
  }

  /** Every Application source path and Kustomization path in the repository. */
  builds(): EngineBuild[] {
    const out: EngineBuild[] = [];
    for (const [name, docs] of this.applications())
      for (const d of docs) {
        const spec = d.data.spec ?? {};
        const sources: any[] = spec.source ? [spec.source] : Array.isArray(spec.sources) ? spec.sources : [];
        for (const s of sources)
          if (typeof s?.path === 'string')
            out.push({
              engine: 'argocd',
              key: `argocd:${name}`,
              file: d.file,
              path: normalize(s.path),
              recurse: s.directory?.recurse === true,
            });
      }
    for (const [key, docs] of this.fluxKustomizations())
      for (const d of docs)
        if (typeof d.data.spec?.path === 'string')
          out.push({
            engine: 'flux',
            key: `flux:${key}`,
            file: d.file,
            path: normalize(d.data.spec.path),
            recurse: true,
          });
    return out;
  }

  private applications(): Map<string, DocRef[]> {
    return (this.apps ??= this.collect(
      (d) => d.kind === 'Application' && d.apiVersion.startsWith('argoproj.io/'),
      this.opts.argocdDir,
    ));
  }

  private fluxKustomizations(): Map<string, DocRef[]> {
    return (this.kustomizations ??= this.collect(
      (d) => d.kind === 'Kustomization' && d.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'),
      this.opts.fluxDir,
      true,
    ));
  }

  private argo(app: string, how: string): EngineLookup {
    const found = this.applications().get(app) ?? [];
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
    const key = `${namespace}/${name}`;
    const found = this.fluxKustomizations().get(key) ?? [];
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
