/**
 * A workload a Flux HelmRelease deploys: its values live in the HelmRelease document (a base
 * shared by several clusters, with per-cluster values patches in each overlay, as in
 * flux2-kustomize-helm-example), in valuesFrom ConfigMaps, and in the chart's defaults. Here we
 * find the HelmRelease document as this cluster builds it: through the live HelmRelease's Flux
 * Kustomization labels first, then through this cluster's Flux Kustomizations in Git, then a
 * search.
 */
import type { RepoConfig } from '../../config/types.js';
import type { GitOpsEngines } from './gitops-engines.js';
import type { LiveEngineObjects } from './live-engines.js';
import type { Locator, LocateResult, Location, ObjectId } from './locate.js';
import type { RepoIndex } from './repo-index.js';
import { normalize } from './repo-index.js';
import { effectiveData } from './kustomize.js';
import { isChart } from './helm.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

type DocLocation = Extract<Location, { flavour: 'plain-manifest' | 'kustomize' }>;

export function locateFluxHelmRelease(
  locator: Locator,
  index: RepoIndex,
  engines: GitOpsEngines,
  repo: RepoConfig,
  live: LiveEngineObjects | undefined,
  w: ObjectId,
): LocateResult | undefined {
  const { name, namespace } = w.gitops.fluxHelmRelease!;
  const key = `${namespace}/${name}`;
  const id: ObjectId = { kind: 'HelmRelease', name, namespace, gitops: {} };
  const via = `flux-helm:${key}`;
  let found: DocLocation | undefined;
  const liveRelease = live?.helmReleases.find(
    (h) => h.name === name && (h.namespace ?? 'flux-system') === namespace,
  );
  const ksName = liveRelease?.labels['kustomize.toolkit.fluxcd.io/name'];
  if (ksName) {
    const ks = engines.lookup({
      fluxKustomization: {
        name: ksName,
        namespace: liveRelease!.labels['kustomize.toolkit.fluxcd.io/namespace'] ?? 'flux-system',
      },
    });
    if (ks && 'source' in ks) {
      const at = locator.inSource(id, ks.source.path, ks.source.via, ks.source);
      if ('skip' in at) return at;
      found = at.location as DocLocation;
    }
  }
  if (!found) {
    const hits: DocLocation[] = [];
    for (const b of engines.builds()) {
      if (b.engine !== 'flux') continue;
      const at = locator.inSource(id, b.path, b.key, { via: b.key, path: b.path, recurse: true });
      if ('location' in at && !hits.some((h) => sameDoc(h, at.location as DocLocation)))
        hits.push(at.location as DocLocation);
    }
    if (hits.length > 1)
      return {
        skip: {
          reason: 'ambiguous-source',
          detail: `Flux HelmRelease ${key} is built by ${hits.map((h) => (h.flavour === 'kustomize' ? `${h.overlay}/` : h.file)).join(' and ')}; name this cluster's Flux Kustomizations with repo.flux.kustomizations`,
        },
      };
    found = hits[0];
  }
  if (!found) {
    const at = locator.locate(id);
    if ('skip' in at)
      return {
        skip: {
          reason: at.skip.reason,
          detail: `the Flux HelmRelease ${key} that deploys ${w.kind} ${w.name}: ${at.skip.detail}`,
        },
      };
    if (at.location.flavour !== 'plain-manifest' && at.location.flavour !== 'kustomize') return undefined;
    found = at.location;
  }
  const data =
    found.flavour === 'kustomize'
      ? effectiveData(found.resource)
      : index.docs(found.file) instanceof Array
        ? (index.docs(found.file) as any[]).find((d) => d.index === found.docIndex)?.data
        : undefined;
  const chart = data?.spec?.chart?.spec;
  const config = repo.helm?.find((h) =>
    h.workloads?.some(
      (x) => x.kind === w.kind && x.name === w.name && (!x.namespace || x.namespace === w.namespace),
    ),
  );
  let chartDir: string | undefined;
  let remoteChart: string | undefined;
  if (chart?.sourceRef?.kind === 'GitRepository' && typeof chart.chart === 'string') {
    const dir = normalize(chart.chart);
    if (isChart(index, dir)) chartDir = dir;
    else remoteChart = `GitRepository ${chart.sourceRef.name} ${chart.chart}`;
  } else if (chart)
    remoteChart = `${chart.sourceRef?.kind ?? '?'} ${chart.sourceRef?.name ?? '?'} ${chart.chart ?? ''}${chart.version ? `@${chart.version}` : ''}`;
  else if (data?.spec?.chartRef) remoteChart = `${data.spec.chartRef.kind} ${data.spec.chartRef.name}`;
  return {
    location: {
      flavour: 'flux-helm',
      via: found.via === 'search' ? via : `${via} (${found.via})`,
      release: found,
      ...(chartDir ? { chartDir } : {}),
      ...(remoteChart ? { remoteChart } : {}),
      ...(config ? { config } : {}),
    },
  };
}

function sameDoc(a: DocLocation, b: DocLocation): boolean {
  const fa = a.flavour === 'kustomize' ? `${a.overlay}#${a.resource.doc.file}` : a.file;
  const fb = b.flavour === 'kustomize' ? `${b.overlay}#${b.resource.doc.file}` : b.file;
  return fa === fb;
}
