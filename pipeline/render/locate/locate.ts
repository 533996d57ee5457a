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
import { locateFluxHelmRelease } from './flux-helm.js';
import { GitOpsEngines, type AppDocRef, type EngineSource } from './gitops-engines.js';
import { kustomizationIn, resolveKustomization, type ResolvedResource } from './kustomize.js';
import { chartRenders, isChart } from './helm.js';
import { problemText, type FileProblem } from './repo-index.js';
import type { LiveEngineObjects } from './live-engines.js';

/** A Helm release's values, as far as the repository holds them. */
export interface HelmValuesSource {
  /** The chart's folder in this repository; undefined when the chart comes from a registry. */
  chartDir?: string;
  /** "<repoURL> <chart>@<version>" of a chart not in this repository. */
  remoteChart?: string;
  release?: string;
  /** Value files (repo-relative) in the order Helm merges them over the chart's values.yaml. */
  valueFiles: string[];
  /** The files only this release reads: a value one of them sets is edited there. */
  ownFiles: string[];
  /** Where a value no own file sets is written (after every shared file). */
  editFile: string;
  /** A values file of this cluster's own, to create and reference from its Application. */
  newFile?: { file: string; entry: string; app: AppDocRef };
  /** Argo CD inline values (valuesObject / values / parameters): they override every file. */
  inline?: EngineSource['inline'];
  /** Inline values in a file of the repository we may edit (kustomize helmCharts[].valuesInline). */
  inlineDoc?: { file: string; docIndex: number; path: (string | number)[]; label: string };
  /** The other releases of a shared chart, for the PR. */
  sharedWith?: string[];
  config?: HelmReleaseConfig;
}

/* eslint-disable @typescript-eslint/no-explicit-any */

export type Location =
  | { flavour: 'plain-manifest'; via: string; file: string; docIndex: number; dir: string }
  | { flavour: 'kustomize'; via: string; overlay: string; resource: ResolvedResource }
  | ({ flavour: 'helm-values'; via: string } & HelmValuesSource)
  | {
      /** A Flux HelmRelease: its values live in the HelmRelease document (and its overlay patches). */
      flavour: 'flux-helm';
      via: string;
      /** Where the HelmRelease document is, located like any object. */
      release: Extract<Location, { flavour: 'plain-manifest' | 'kustomize' }>;
      chartDir?: string;
      remoteChart?: string;
      config?: HelmReleaseConfig;
    };

export type LocateResult =
  | { location: Location }
  | { skip: { reason: 'not-in-git' | 'ambiguous-source' | 'unparsable-manifest'; detail: string } };

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
    opts: { live?: LiveEngineObjects; cluster?: string; engines?: GitOpsEngines } = {},
  ) {
    this.cluster = opts.cluster ?? 'cluster';
    this.engines =
      opts.engines ??
      new GitOpsEngines(index, {
        argocdDir: repo.argocd?.applications,
        fluxDir: repo.flux?.kustomizations,
        live: opts.live,
        cluster: opts.cluster,
      });
    this.live = opts.live;
  }

  private readonly cluster: string;
  private readonly live?: LiveEngineObjects;

  locate(w: ObjectId): LocateResult {
    // A chart and values file the config names for this workload: the user said where.
    const configured = this.configuredHelm(w);
    if (configured && !w.gitops.argocdTrackingId) return configured;
    if (w.gitops.fluxHelmRelease && !w.gitops.argocdTrackingId) {
      const found = locateFluxHelmRelease(this, this.index, this.engines, this.repo, this.live, w);
      if (found) return found;
    }
    const engine = this.engines.lookup(w.gitops);
    if (engine && 'error' in engine) return { skip: { reason: engine.reason, detail: engine.error } };
    if (engine?.source.remoteChart) return { location: this.remoteHelm(w, engine.source) };
    if (engine) return this.inSource(w, engine.source.path, engine.source.via, engine.source);
    return configured ?? this.search(w);
  }

  private configuredHelm(w: ObjectId): LocateResult | undefined {
    const helm = this.repo.helm?.find(
      (h) =>
        h.chart &&
        h.values &&
        h.workloads?.some(
          (x) => x.kind === w.kind && x.name === w.name && (!x.namespace || x.namespace === w.namespace),
        ),
    );
    if (helm?.chart && helm.values)
      return {
        location: {
          flavour: 'helm-values',
          via: 'config',
          chartDir: normalize(helm.chart),
          valueFiles: [normalize(helm.values)],
          ownFiles: [normalize(helm.values)],
          editFile: normalize(helm.values),
          config: helm,
        },
      };
    return undefined;
  }

  /** Where an object is under a directory an engine (or a HelmRelease's Kustomization) builds. */
  inSource(w: ObjectId, dir: string, via: string, source?: EngineSource): LocateResult {
    if (!this.index.isDir(dir))
      return {
        skip: {
          reason: 'not-in-git',
          detail: `${via} points at ${dir || '.'}, which is not a directory in the repository`,
        },
      };
    const recurse = source?.recurse ?? false;
    if (isChart(this.index, dir)) return this.chartInRepo(dir, via, source);
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
        : (this.kustomizeHelm(dir, w, via) ??
            this.broken(this.filesOfKustomization(dir), w, via) ?? {
              skip: { reason: 'not-in-git', detail: `${via}: ${dir} does not build ${w.kind} ${w.name}` },
            });
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
      : (this.broken(this.index.yamlFiles(dir, recurse), w, via) ?? {
          skip: {
            reason: 'not-in-git',
            detail: `${via}: no manifest for ${w.kind} ${w.name} under ${dir || '.'}`,
          },
        });
  }

  /**
   * A chart in this repository. Rendered by one release, the values file it reads is edited (its
   * value files if any, else the chart's values.yaml). Rendered by several, only files this
   * release alone reads are edited; without one, a values file of the cluster's own is created and
   * referenced from its Application.
   */
  private chartInRepo(dir: string, via: string, source?: EngineSource): LocateResult {
    const config = this.repo.helm?.find((h) => h.chart && normalize(h.chart) === dir);
    const valueFiles = source?.valueFiles?.length
      ? source.valueFiles
      : config?.values
        ? [normalize(config.values)]
        : [];
    const chartValues = normalize(posix.join(dir, 'values.yaml'));
    const own = via.replace(/ \(live\)$/, '');
    const others = this.releasesOf(dir).filter((r) => r.key !== own);
    const base = {
      flavour: 'helm-values' as const,
      via,
      chartDir: dir,
      valueFiles,
      ...(source?.release ? { release: source.release } : {}),
      ...(source?.inline ? { inline: source.inline } : {}),
      ...(config ? { config } : {}),
    };
    if (!others.length) {
      const ownFiles = valueFiles.length ? valueFiles : [chartValues];
      return { location: { ...base, ownFiles, editFile: ownFiles.at(-1)! } };
    }
    const theirs = new Set(others.flatMap((o) => o.valueFiles));
    const ownFiles = valueFiles.filter((f) => !theirs.has(f));
    const sharedWith = others.map((o) => o.label);
    if (ownFiles.length && ownFiles.at(-1) === valueFiles.at(-1))
      return { location: { ...base, ownFiles, editFile: ownFiles.at(-1)!, sharedWith } };
    const app = source?.app;
    if (!app)
      return {
        skip: {
          reason: 'not-in-git',
          detail: `${via} renders the chart ${dir}, which ${sharedWith.join(' and ')} also render${sharedWith.length > 1 ? '' : 's'}, from no values file of its own, and its Application is not a file in the repository to reference one from`,
        },
      };
    const folder = app.valuesRef
      ? posix.dirname(valueFiles.at(-1) ?? posix.join(normalize(this.repo.root), 'x'))
      : dir;
    const file = normalize(posix.join(folder === '.' ? '' : folder, `values-${this.cluster}.yaml`));
    const entry = app.valuesRef ? `$${app.valuesRef}/${file}` : posix.relative(app.path, file);
    return {
      location: {
        ...base,
        ownFiles: [...ownFiles, file],
        editFile: file,
        valueFiles: [...valueFiles, file],
        newFile: { file, entry, app },
        sharedWith,
      },
    };
  }

  /**
   * A chart kustomize inflates (`helmCharts:` with `--enable-helm`): its values are the chart's
   * defaults, the entry's valuesFile and its valuesInline (edited in the kustomization itself).
   */
  private kustomizeHelm(dir: string, w: ObjectId, via: string): LocateResult | undefined {
    const k = kustomizationIn(this.index, dir);
    const charts: any[] = Array.isArray(k?.data.helmCharts) ? k!.data.helmCharts : [];
    if (!k || !charts.length) return undefined;
    const named = charts
      .map((c, i) => ({ c, i }))
      .filter(
        ({ c }) =>
          typeof c?.name === 'string' &&
          (charts.length === 1 || w.name.startsWith(String(c.releaseName ?? c.name))),
      );
    if (named.length !== 1)
      return named.length
        ? {
            skip: {
              reason: 'ambiguous-source',
              detail: `${via}: ${k.file} inflates ${named.map(({ c }) => c.name).join(' and ')}, any of which could render ${w.kind} ${w.name}`,
            },
          }
        : undefined;
    const { c, i } = named[0]!;
    const home = normalize(posix.join(dir, String(k.data.helmGlobals?.chartHome ?? 'charts')));
    const local = normalize(posix.join(home, String(c.name)));
    const chartDir = isChart(this.index, local) ? local : undefined;
    const valuesFile =
      typeof c.valuesFile === 'string' ? normalize(posix.join(dir, c.valuesFile)) : undefined;
    const docs = this.index.docs(k.file);
    const docIndex = isProblem(docs) ? 0 : (docs.find((d) => d.kind === 'Kustomization')?.index ?? 0);
    const inline = c.valuesInline && typeof c.valuesInline === 'object' ? c.valuesInline : undefined;
    return {
      location: {
        flavour: 'helm-values',
        via: `${via} (kustomize helmCharts ${c.name})`,
        ...(chartDir
          ? { chartDir }
          : { remoteChart: `${c.repo ?? '?'} ${c.name}${c.version ? `@${c.version}` : ''}` }),
        ...(c.releaseName ? { release: String(c.releaseName) } : {}),
        valueFiles: valuesFile ? [valuesFile] : [],
        // A values file or inline values only this kustomization reads are its own.
        ownFiles: valuesFile ? [valuesFile] : [],
        editFile: inline || !valuesFile ? '' : valuesFile,
        inlineDoc: {
          file: k.file,
          docIndex,
          path: ['helmCharts', i, 'valuesInline'],
          label: `${k.file} helmCharts[${i}].valuesInline`,
        },
      },
    };
  }

  /** Every release that renders a chart folder: Applications (live and Git), Flux HelmReleases, config. */
  private releasesOf(dir: string): { key: string; label: string; valueFiles: string[] }[] {
    const out = new Map<string, { key: string; label: string; valueFiles: string[] }>();
    for (const b of this.engines.builds())
      if (b.engine === 'argocd' && b.path === dir)
        out.set(b.key, {
          key: b.key,
          label: `Argo CD Application ${b.key.slice('argocd:'.length)} (${b.file})`,
          valueFiles: b.valueFiles ?? [],
        });
    for (const [key, docs] of this.engines.helmReleases())
      for (const d of docs) {
        const chart = d.data.spec?.chart?.spec;
        if (
          chart?.sourceRef?.kind === 'GitRepository' &&
          typeof chart.chart === 'string' &&
          normalize(chart.chart) === dir
        )
          out.set(`flux-helm:${key}`, {
            key: `flux-helm:${key}`,
            label: `Flux HelmRelease ${key} (${d.file})`,
            valueFiles: (chart.valuesFiles ?? []).map((f: string) => normalize(f)),
          });
      }
    return [...out.values()];
  }

  /** A chart from a registry: values from the Application's value files in this repository. */
  private remoteHelm(w: ObjectId, source: EngineSource): Location {
    const config = this.repo.helm?.find((h) =>
      h.workloads?.some(
        (x) => x.kind === w.kind && x.name === w.name && (!x.namespace || x.namespace === w.namespace),
      ),
    );
    const valueFiles = source.valueFiles ?? [];
    return {
      flavour: 'helm-values',
      via: source.via,
      remoteChart: source.remoteChart,
      valueFiles,
      ownFiles: valueFiles,
      editFile: valueFiles.at(-1) ?? '',
      ...(source.release ? { release: source.release } : {}),
      ...(source.inline ? { inline: source.inline } : {}),
      ...(config ? { config } : {}),
    };
  }

  /** Folders holding a Chart.yaml under `root`. */
  private chartDirs(root: string): string[] {
    return (this.charts ??= this.index
      .yamlFiles('')
      .filter((f) => posix.basename(f) === 'Chart.yaml')
      .map((f) => (posix.dirname(f) === '.' ? '' : posix.dirname(f)))).filter(
      (d) => !root || d === root || d.startsWith(`${root}/`),
    );
  }

  private charts?: string[];

  /** Files a kustomization lists directly (resources), to name a broken one. */
  private filesOfKustomization(dir: string): string[] {
    const k = kustomizationIn(this.index, dir);
    const out: string[] = [];
    for (const e of [...(k?.data.resources ?? []), ...(k?.data.bases ?? [])]) {
      if (typeof e !== 'string') continue;
      const rel = normalize(posix.join(dir, e));
      if (this.index.isDir(rel))
        out.push(...this.filesOfKustomization(rel), ...this.index.yamlFiles(rel, false));
      else if (this.index.exists(rel)) out.push(rel);
    }
    return out;
  }

  /**
   * A file that would hold the object but does not parse (a YAML error, tabs, a `{{ }}`
   * template): named with its line and the parser's message, so the user looks in the right
   * place. Such a file is never edited.
   */
  private broken(files: string[], w: ObjectId, via: string): LocateResult | undefined {
    const hits: FileProblem[] = [];
    // A chart's templates are templates by design, not broken manifests.
    const charts = this.chartDirs('');
    for (const f of new Set(files)) {
      if (charts.some((c) => f.startsWith(c ? `${c}/` : ''))) continue;
      const docs = this.index.docs(f);
      if (!isProblem(docs)) continue;
      const text = this.index.read(f);
      if (new RegExp(`kind:\\s*["']?${w.kind}\\b`).test(text) && mentionsName(text, w.name)) hits.push(docs);
    }
    if (!hits.length) return undefined;
    return {
      skip: {
        reason: 'unparsable-manifest',
        detail: `${via === 'search' ? '' : `${via}: `}${w.kind} ${w.name} is in ${hits.map(problemText).join(' and ')}; the file does not parse, so it is never edited`,
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
    if (!candidates.length) {
      // A chart under the root whose templates render this object by name (a chart no engine
      // document in Git names, e.g. an Application that lives only in the cluster without tracking).
      const charts = this.chartDirs(root).filter((d) => chartRenders(this.index, d, w.kind, w.name));
      if (charts.length === 1) return this.chartInRepo(charts[0]!, 'search');
    }
    if (!candidates.length)
      return (this.broken(this.index.yamlFiles(root), w, 'search') ?? {
        skip: {
          reason: 'not-in-git',
          detail: `no manifest for ${w.kind} ${w.namespace ?? ''}/${w.name} under ${root || 'the repository root'}, and it carries no Argo CD or Flux tracking`,
        },
      }) as LocateResult;
    const where = candidates.map((c) =>
      c.flavour === 'kustomize'
        ? `${c.overlay}/ (kustomize)`
        : c.flavour === 'plain-manifest'
          ? c.file
          : c.flavour === 'helm-values'
            ? c.editFile
            : c.via,
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

function mentionsName(text: string, name: string): boolean {
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`name:\\s*["']?${n}["']?\\s*($|#|\\r?\\n)`, 'm').test(text);
}
