/**
 * The GitOps engines' own tracking, followed before any search: an Argo CD Application (found
 * from the tracking-id annotation or the instance label) or a Flux Kustomization (from its
 * labels) names the repository path that produces the live object.
 *
 * The live cluster is read first: an Application object in the cluster holds its sources as Argo CD
 * resolved them (whatever generated it: an ApplicationSet, an app-of-apps chart), and a live Flux
 * Kustomization its path. The files in Git come second, and ApplicationSets in Git are expanded
 * (list, cluster, git directory and git file generators) when no Application says more.
 */
import { posix } from 'node:path';
import type { GitOpsTracking } from '../../model/types.js';
import type { RepoIndex } from './repo-index.js';
import { normalize, isProblem, type DocRef } from './repo-index.js';
import { expandApplicationSets } from './applicationsets.js';
import { chartApplications, type ChartTemplateProblem } from './chart-applications.js';
import { problemText } from './repo-index.js';
import type { LiveEngineObjects } from './live-engines.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface EngineSource {
  via: string;
  /** Repo-relative directory the engine builds ('' with a remote chart). */
  path: string;
  /** Helm sources: value files (repo-relative, in order; the last wins). */
  valueFiles?: string[];
  helm?: boolean;
  /** Argo CD directory sources recurse only when asked. */
  recurse?: boolean;
  /** A chart from a registry, not in this repository ("<repoURL> <chart>@<version>"). */
  remoteChart?: string;
  /** Helm release name (Argo CD's helm.releaseName, else the Application's name). */
  release?: string;
  /** Argo CD inline values: they override every values file. */
  inline?: { valuesObject?: unknown; values?: string; parameters?: { name: string; value: string }[] };
  /** The Application document in Git, when there is one: a new values file is referenced there. */
  app?: AppDocRef;
  /** The live object was read (its resolved sources), not a file. */
  live?: boolean;
}

/** Where, in an Application document in Git, its helm valueFiles are listed. */
export interface AppDocRef {
  doc: DocRef;
  /** spec.source when undefined, else spec.sources[i]. */
  sourceIndex?: number;
  /** The `ref` of this repository among spec.sources, for `$ref/…` value files. */
  valuesRef?: string;
  /** The producing source's path (value files are relative to it). */
  path: string;
}

/** One engine document and the repository path it builds, for telling who else syncs a folder. */
export interface EngineBuild {
  engine: 'argocd' | 'flux';
  /** "argocd:<app>" or "flux:<namespace>/<name>", the same text as EngineSource.via. */
  key: string;
  file: string;
  path: string;
  recurse: boolean;
  /** Value files of an Argo CD Helm source (repo-relative). */
  valueFiles?: string[];
}

/** The document that syncs an object, where the ignore rules for the fields it hands over go. */
export interface EngineDocument {
  engine: 'argocd' | 'flux' | 'flux-helm';
  name: string;
  doc: DocRef;
}

export type EngineLookup =
  { source: EngineSource } | { error: string; reason: 'not-in-git' | 'ambiguous-source' } | undefined;

/** An Application, from the live cluster or from a file (or an ApplicationSet) in Git. */
interface AppRecord {
  name: string;
  spec: any;
  /** Where it comes from, for messages. */
  origin: string;
  live: boolean;
  doc?: DocRef;
  /** For live apps, the sources Argo CD last compared (status.sync.comparedTo). */
  comparedTo?: any;
}

export class GitOpsEngines {
  private apps?: Map<string, DocRef[]>;
  private generated?: Map<string, AppRecord[]>;
  /** Live, file and generated Applications by name, merged once per render. */
  private merged?: Map<string, AppRecord[]>;
  /** Chart templates holding Applications that could not be evaluated. */
  private chartRefusals: ChartTemplateProblem[] = [];
  private kustomizations?: Map<string, DocRef[]>;
  private releases?: Map<string, DocRef[]>;

  constructor(
    private readonly index: RepoIndex,
    private readonly opts: {
      argocdDir?: string;
      fluxDir?: string;
      live?: LiveEngineObjects;
      /** The cluster's name, for ApplicationSet cluster generators. */
      cluster?: string;
    },
  ) {}

  lookup(tracking: GitOpsTracking): EngineLookup {
    if (tracking.argocdTrackingId)
      return this.argo(appName(tracking.argocdTrackingId.split(':')[0]!), 'tracking-id');
    // A Flux HelmRelease's objects carry app.kubernetes.io/instance too (the chart sets it to the
    // release name), so Flux's own labels decide before the instance label.
    if (tracking.fluxKustomization && !tracking.fluxHelmRelease)
      return this.flux(tracking.fluxKustomization.name, tracking.fluxKustomization.namespace);
    if (tracking.argocdInstance && !tracking.fluxHelmRelease) {
      // Helm charts set the instance label to the release name: with no Application of that name
      // anywhere it says nothing about Argo CD, and the search decides.
      if (!this.allApps().has(tracking.argocdInstance)) return undefined;
      return this.argo(tracking.argocdInstance, 'instance label');
    }
    return undefined;
  }

  /**
   * The Application, HelmRelease or Kustomization document that syncs an object with this
   * tracking, if unique. A HelmRelease's label comes before a Kustomization's: the release is what
   * applies its objects (the Kustomization only applies the HelmRelease).
   */
  engineDocument(tracking: GitOpsTracking): EngineDocument | undefined {
    const argoApp = argoAppOf(tracking);
    if (argoApp) {
      const found = this.applications().get(argoApp) ?? [];
      return found.length === 1 ? { engine: 'argocd', name: argoApp, doc: found[0]! } : undefined;
    }
    if (tracking.fluxHelmRelease) {
      const key = `${tracking.fluxHelmRelease.namespace}/${tracking.fluxHelmRelease.name}`;
      const found = this.helmReleases().get(key) ?? [];
      return found.length === 1 ? { engine: 'flux-helm', name: key, doc: found[0]! } : undefined;
    }
    if (tracking.fluxKustomization) {
      const key = `${tracking.fluxKustomization.namespace}/${tracking.fluxKustomization.name}`;
      const found = this.fluxKustomizations().get(key) ?? [];
      return found.length === 1 ? { engine: 'flux', name: key, doc: found[0]! } : undefined;
    }
    return undefined;
  }

  /** HelmRelease documents in Git, by "namespace/name" (before any kustomize patch). */
  helmReleases(): Map<string, DocRef[]> {
    return (this.releases ??= this.collect(
      (d) => d.kind === 'HelmRelease' && d.apiVersion.startsWith('helm.toolkit.fluxcd.io/'),
      // HelmReleases live beside the apps they deploy, not with the cluster's Kustomizations.
      undefined,
      true,
    ));
  }

  /** The key (EngineBuild.key) of the engine document that syncs an object with this tracking. */
  keyOf(tracking: GitOpsTracking): string | undefined {
    const argoApp = argoAppOf(tracking);
    if (argoApp) return `argocd:${argoApp}`;
    if (tracking.fluxKustomization)
      return `flux:${tracking.fluxKustomization.namespace}/${tracking.fluxKustomization.name}`;
    return undefined;
  }

  /** Every Application source path and Kustomization path, live and in the repository. */
  builds(): EngineBuild[] {
    const out: EngineBuild[] = [];
    for (const [name, records] of this.allApps())
      for (const a of records) {
        for (const s of sourcesOf(a.spec))
          if (typeof s?.path === 'string') {
            const path = normalize(s.path);
            out.push({
              engine: 'argocd',
              key: `argocd:${name}`,
              file: a.origin,
              path,
              recurse: s.directory?.recurse === true,
              valueFiles: valueFilesOf(s, path),
            });
          }
      }
    const seen = new Set<string>();
    for (const k of this.opts.live?.kustomizations ?? []) {
      const key = `${k.namespace ?? 'flux-system'}/${k.name}`;
      const path = this.fluxPath(k.spec, k.namespace ?? 'flux-system');
      if (path === undefined) continue;
      seen.add(key);
      out.push({
        engine: 'flux',
        key: `flux:${key}`,
        file: `the live Kustomization ${key}`,
        path,
        recurse: true,
      });
    }
    for (const [key, docs] of this.fluxKustomizations())
      for (const d of docs) {
        if (seen.has(key)) continue;
        const path = this.fluxPath(d.data.spec, key.split('/')[0]!);
        if (path !== undefined)
          out.push({ engine: 'flux', key: `flux:${key}`, file: d.file, path, recurse: true });
      }
    return out;
  }

  private applications(): Map<string, DocRef[]> {
    return (this.apps ??= this.collect(
      (d) => d.kind === 'Application' && d.apiVersion.startsWith('argoproj.io/'),
      this.opts.argocdDir,
    ));
  }

  /** Applications by name: live first, then files, then ApplicationSets in Git. */
  private allApps(): Map<string, AppRecord[]> {
    return (this.merged ??= this.mergeApps());
  }

  private mergeApps(): Map<string, AppRecord[]> {
    const out = new Map<string, AppRecord[]>();
    for (const a of this.opts.live?.applications ?? [])
      out.set(a.name, [
        {
          name: a.name,
          spec: a.spec ?? {},
          origin: `the live Application ${a.namespace ? `${a.namespace}/` : ''}${a.name}`,
          live: true,
          comparedTo: (a.status as any)?.sync?.comparedTo,
        },
      ]);
    for (const [name, docs] of this.applications()) {
      if (out.has(name)) continue;
      out.set(
        name,
        docs.map((d) => ({ name, spec: d.data.spec ?? {}, origin: d.file, live: false, doc: d })),
      );
    }
    // Applications that are templates of an app-of-apps chart, when neither live nor in a file.
    const charts = chartApplications(
      this.index,
      this.opts.argocdDir,
      [...out.values()].flat().map((a) => ({ name: a.name, spec: a.spec, origin: a.origin })),
      sourcesOf,
    );
    this.chartRefusals = charts.refused;
    for (const [name, records] of charts.apps)
      if (!out.has(name))
        out.set(
          name,
          records.map((r) => ({ ...r, live: false })),
        );
    this.generated ??= expandApplicationSets(this.index, this.opts.argocdDir, this.opts.cluster);
    for (const [name, records] of this.generated) if (!out.has(name)) out.set(name, records);
    return out;
  }

  private fluxKustomizations(): Map<string, DocRef[]> {
    return (this.kustomizations ??= this.collect(
      (d) => d.kind === 'Kustomization' && d.apiVersion.startsWith('kustomize.toolkit.fluxcd.io/'),
      this.opts.fluxDir,
      true,
    ));
  }

  private argo(app: string, how: string): EngineLookup {
    const found = this.allApps().get(app) ?? [];
    if (found.length === 0)
      return {
        reason: 'not-in-git',
        error: `Argo CD Application "${app}" (from the ${how}) is neither in the live cluster nor in the repository${
          this.chartRefusals.length
            ? `; chart templates holding Applications were not evaluated: ${this.chartRefusals
                .map((r) => problemText({ ...r, reason: 'template' }))
                .join('; ')}`
            : ''
        }`,
      };
    if (found.length > 1)
      return {
        reason: 'ambiguous-source',
        error: `Argo CD Application "${app}" is defined in ${found.map((d) => d.origin).join(' and ')}`,
      };
    const a = found[0]!;
    // A live Application's spec may template nothing, but its comparedTo is what Argo CD rendered.
    let sources = sourcesOf(a.spec);
    if (!sources.length && a.comparedTo) sources = sourcesOf(a.comparedTo);
    const producing = sources
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => typeof s?.path === 'string' || typeof s?.chart === 'string');
    if (producing.length !== 1) {
      return {
        reason: producing.length ? 'ambiguous-source' : 'not-in-git',
        error: `Argo CD Application "${app}" (${a.origin}) has ${producing.length} sources that render manifests; Tidemark follows exactly one`,
      };
    }
    const { s, i } = producing[0]!;
    const multi = !a.spec?.source && Array.isArray(a.spec?.sources);
    const path = typeof s.path === 'string' ? normalize(s.path) : '';
    const valuesRef = sources.find((x) => typeof x?.ref === 'string' && typeof x?.path !== 'string')?.ref;
    const helm = s.helm ?? {};
    const inline =
      helm.valuesObject !== undefined || typeof helm.values === 'string' || Array.isArray(helm.parameters)
        ? {
            ...(helm.valuesObject !== undefined ? { valuesObject: helm.valuesObject } : {}),
            ...(typeof helm.values === 'string' ? { values: helm.values } : {}),
            ...(Array.isArray(helm.parameters) ? { parameters: helm.parameters } : {}),
          }
        : undefined;
    // An Application read live is referenced in Git only when the same document is there.
    const doc =
      a.doc ?? (this.applications().get(app)?.length === 1 ? this.applications().get(app)![0] : undefined);
    return {
      source: {
        via: `argocd:${app}${a.live ? ' (live)' : ''}`,
        path,
        valueFiles: valueFilesOf(s, path),
        helm: !!s.helm || s.chart !== undefined,
        recurse: s.directory?.recurse === true,
        ...(typeof s.chart === 'string'
          ? { remoteChart: `${s.repoURL ?? '?'} ${s.chart}${s.targetRevision ? `@${s.targetRevision}` : ''}` }
          : {}),
        release: typeof helm.releaseName === 'string' ? helm.releaseName : app,
        ...(inline ? { inline } : {}),
        ...(doc ? { app: { doc, sourceIndex: multi ? i : undefined, valuesRef, path } } : {}),
        live: a.live,
      },
    };
  }

  private flux(name: string, namespace: string): EngineLookup {
    const key = `${namespace}/${name}`;
    const live = (this.opts.live?.kustomizations ?? []).find(
      (k) => k.name === name && (k.namespace ?? 'flux-system') === namespace,
    );
    if (live) {
      const path = this.fluxPath(live.spec, namespace);
      if (path !== undefined)
        return { source: { via: `flux:${key} (live)`, path, recurse: true, live: true } };
    }
    const found = this.fluxKustomizations().get(key) ?? [];
    if (found.length === 0)
      return { reason: 'not-in-git', error: `Flux Kustomization ${key} is not in the repository` };
    if (found.length > 1)
      return {
        reason: 'ambiguous-source',
        error: `Flux Kustomization ${key} is defined in ${found.map((d) => d.file).join(' and ')}`,
      };
    const path = this.fluxPath(found[0]!.data.spec, namespace);
    if (path === undefined)
      return { reason: 'not-in-git', error: `Flux Kustomization ${key} has no spec.path` };
    return { source: { via: `flux:${key}`, path, recurse: true } };
  }

  /**
   * A Flux Kustomization's path in this repository. From a GitRepository it is relative to the
   * repository root; from an ExternalArtifact made by an ArtifactGenerator (Flux 2.7), the
   * generator's copy rules map the artifact's folders back to the repository's.
   */
  fluxPath(spec: any, namespace: string): string | undefined {
    if (typeof spec?.path !== 'string') return undefined;
    const path = normalize(spec.path);
    if (spec.sourceRef?.kind !== 'ExternalArtifact') return path;
    const artifact = String(spec.sourceRef.name ?? '');
    const ns = String(spec.sourceRef.namespace ?? namespace);
    for (const [, docs] of this.artifactGenerators())
      for (const g of docs) {
        if ((g.namespace ?? 'flux-system') !== ns) continue;
        const a = (g.data.spec?.artifacts ?? []).find((x: any) => x?.name === artifact);
        for (const c of a?.copy ?? []) {
          const from = /^@[^/]+\/(.*?)\/?\*\*$/.exec(String(c?.from ?? ''));
          const to = /^@artifact\/?(.*?)\/?$/.exec(String(c?.to ?? ''));
          if (!from || !to) continue;
          const dest = normalize(to[1]!);
          if (dest === path || path.startsWith(`${dest}/`) || dest === '')
            return normalize(posix.join(from[1]!, path.slice(dest.length)));
        }
      }
    return path;
  }

  private artifactGenerators(): Map<string, DocRef[]> {
    return this.collect(
      (d) => d.kind === 'ArtifactGenerator' && d.apiVersion.startsWith('source.extensions.fluxcd.io/'),
      this.opts.fluxDir,
      true,
    );
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

function argoAppOf(tracking: GitOpsTracking): string | undefined {
  if (tracking.argocdTrackingId) return appName(tracking.argocdTrackingId.split(':')[0]!);
  return tracking.fluxHelmRelease ? undefined : tracking.argocdInstance;
}

/** Apps in any namespace are tracked as "<namespace>_<name>". */
function appName(id: string): string {
  return id.includes('_') ? id.slice(id.indexOf('_') + 1) : id;
}

function sourcesOf(spec: any): any[] {
  return spec?.source ? [spec.source] : Array.isArray(spec?.sources) ? spec.sources : [];
}

/** Repo-relative value files of a Helm source: plain ones relative to its path, `$ref/…` to a ref source. */
function valueFilesOf(s: any, path: string): string[] {
  const out: string[] = [];
  for (const vf of s?.helm?.valueFiles ?? []) {
    if (typeof vf !== 'string') continue;
    const ref = /^\$([^/]+)\/(.*)$/.exec(vf);
    if (ref) {
      // `$ref/…` is relative to the root of the repository the ref source names (this one).
      out.push(normalize(ref[2]!));
      continue;
    }
    out.push(normalize(posix.join(path, vf)));
  }
  return out;
}
