/**
 * fluxcd/flux2-kustomize-helm-example (the snapshot in ../shared/real-repos) as the staging
 * cluster: a HelmRelease with inline values in apps/base, per-environment values patches in
 * apps/staging and apps/production, a chart from a HelmRepository (not in the repository), and
 * Flux 2.7's ArtifactGenerator between the cluster's Kustomization and the apps folders. The live
 * HelmRelease carries its Flux Kustomization's labels; the workload carries the release's.
 * Built with `kubectl kustomize`, and the built HelmRelease's values rendered by `helm template`
 * through a stand-in chart with podinfo's resources keys (fixtures/layouts/podinfo-chart).
 */
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../collect/types.js';
import { packageRoot } from '../../core/json-schema.js';
import {
  prepareLayout,
  kustomizeBuild,
  helmTemplate,
  type LayoutSpec,
} from '../../testing/layout-workspace.js';
import { buildDifference, renderedProposals } from '../../testing/layout-checks.js';
import { helmBin } from '../../testing/helm/index.js';
import { realRepo } from '../../testing/real-repos.js';
import { describeWithTier } from '../../testing/tier-gate.js';
import { allowSlowTests } from '../../testing/slow.js';

allowSlowTests();

/** The snapshot's folder, set once the suite runs (the real-repos tier decides whether it does). */
let repoDir: string;
const standIn = join(packageRoot(), 'fixtures', 'layouts', 'podinfo-chart');

const liveFlux: KubeObject[] = [
  {
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name: 'apps', namespace: 'flux-system' },
    spec: { path: './staging', sourceRef: { kind: 'ExternalArtifact', name: 'apps' }, prune: true },
  } as KubeObject,
  {
    apiVersion: 'helm.toolkit.fluxcd.io/v2',
    kind: 'HelmRelease',
    metadata: {
      name: 'podinfo',
      namespace: 'podinfo',
      labels: {
        'kustomize.toolkit.fluxcd.io/name': 'apps',
        'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
      },
    },
    spec: { chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } } } },
  } as KubeObject,
];

function podinfo(cpu: string, memory: string): LayoutSpec['workloads'][number] {
  return {
    namespace: 'podinfo',
    name: 'podinfo',
    labels: {
      'helm.toolkit.fluxcd.io/name': 'podinfo',
      'helm.toolkit.fluxcd.io/namespace': 'podinfo',
      // the chart sets it to the release name: not an Argo CD Application
      'app.kubernetes.io/instance': 'podinfo',
    },
    containers: [{ name: 'podinfo', requests: { cpu, memory }, usage: { cpu: 0.03, memoryMiB: 30 } }],
  };
}

const baseWithResources = (): string =>
  readFileSync(join(repoDir, 'apps/base/podinfo/release.yaml'), 'utf8').replace(
    '  values:\n',
    '  values:\n    resources:\n      requests:\n        cpu: 100m\n        memory: 64Mi\n',
  );

/** The HelmRelease `kubectl kustomize` builds for an environment. */
function release(dir: string, env: string): { text: string; values: unknown } {
  const text = kustomizeBuild(join(dir, 'apps', env));
  const hr = parseAllDocuments(text)
    .map((d) => d.toJS() as { kind?: string; spec?: { values?: unknown } })
    .find((d) => d?.kind === 'HelmRelease')!;
  return { text, values: hr.spec?.values ?? {} };
}

/** `helm template` of the stand-in chart with a HelmRelease's values. */
function podinfoRender(helm: string, dir: string, values: unknown, extra: unknown = {}): string {
  const f = join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(values));
  const g = join(dir, `extra-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(g, stringify(extra));
  return helmTemplate(helm, 'podinfo', standIn, [g, f], 'podinfo');
}

const cfg = { root: 'clusters/staging', flux: { kustomizations: 'clusters/staging' } };

describeWithTier('real-repos', 'helm')('e2e/layouts: flux2-kustomize-helm-example', () => {
  let helm: string;
  beforeAll(() => {
    repoDir = realRepo('flux2-kustomize-helm-example');
    helm = helmBin();
  });

  it('as published (no resources in Git; the chart is not in the repository): skipped, naming the key to configure', async () => {
    const ws = await prepareLayout({
      from: repoDir,
      workloads: [podinfo('1m', '16Mi')],
      objects: liveFlux,
      repo: cfg,
      cluster: 'staging',
    });
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    expect(p.diff).toBe('');
    const skip = p.doc.clusters[0]!.skipped.find(
      (s) => s.analyzer === 'render' && s.workload === 'Deployment/podinfo/podinfo',
    );
    expect(skip).toMatchObject({ reason: 'render-refused' });
    expect(skip!.detail).toMatch(
      /flux-helm:podinfo\/podinfo .*apps\/staging.*not in the repository.*set repo\.helm\[\]\.workloads\[\] \{ kind: Deployment, name: podinfo, container: podinfo, resourcesPath: … \}/,
    );
  });

  it("inline values in the base: the value goes into staging's own values patch, never the base, and production builds as before", async () => {
    const ws = await prepareLayout({
      from: repoDir,
      files: { 'apps/base/podinfo/release.yaml': baseWithResources() },
      workloads: [podinfo('100m', '64Mi')],
      objects: liveFlux,
      repo: cfg,
      cluster: 'staging',
    });
    const before = release(ws.repo, 'staging');
    const beforeProd = kustomizeBuild(join(ws.repo, 'apps/production'));
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(proposals.map((x) => x.field)).toContain('requests.cpu');
    expect(p.diff.match(/^diff --git a\/(\S+)/gm)).toEqual(['diff --git a/apps/staging/podinfo-values.yaml']);
    const tree = await ws.apply('tidemark/podinfo');
    const patch = readFileSync(join(tree, 'apps/staging/podinfo-values.yaml'), 'utf8');
    expect(patch.startsWith(ws.original('apps/staging/podinfo-values.yaml'))).toBe(true); // only added
    expect(readFileSync(join(tree, 'apps/base/podinfo/release.yaml'), 'utf8')).toBe(
      ws.original('apps/base/podinfo/release.yaml'),
    );
    const after = release(tree, 'staging');
    expect(kustomizeBuild(join(tree, 'apps/production'))).toBe(beforeProd);
    // Everything the staging build held is unchanged but the release's resources values.
    const hrBefore = parseAllDocuments(before.text).map((d) => d.toJS());
    const hrAfter = parseAllDocuments(after.text).map((d) => d.toJS());
    const strip = (docs: { kind?: string; spec?: { values?: { resources?: unknown } } }[]) =>
      docs.map((d) =>
        d?.kind === 'HelmRelease'
          ? { ...d, spec: { ...d.spec, values: { ...d.spec!.values, resources: null } } }
          : d,
      );
    expect(strip(hrAfter as never)).toEqual(strip(hrBefore as never));
    // helm template of the built values: the Deployment carries exactly the proposals.
    const problems = buildDifference(
      podinfoRender(helm, ws.dir, before.values),
      podinfoRender(helm, ws.dir, after.values),
      proposals,
    );
    expect(problems).toEqual([]);
    execFileSync('git', ['checkout', '-q', 'tidemark/podinfo'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it('valuesFrom a ConfigMap in Git: edited at its values key; a Secret in valuesFrom is refused with the reason', async () => {
    const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: podinfo-values
  namespace: podinfo
data:
  values.yaml: |
    # staging sizing
    resources:
      requests:
        cpu: 100m
        memory: 64Mi
`;
    const staging = readFileSync(join(repoDir, 'apps/staging/kustomization.yaml'), 'utf8').replace(
      '  - ../base/podinfo\n',
      '  - ../base/podinfo\n  - podinfo-config.yaml\n',
    );
    const valuesPatch = (from: string) =>
      readFileSync(join(repoDir, 'apps/staging/podinfo-values.yaml'), 'utf8').replace(
        '  values:\n',
        `  valuesFrom:\n${from}  values:\n`,
      );
    const ws = await prepareLayout({
      from: repoDir,
      files: {
        'apps/staging/podinfo-config.yaml': configMap,
        'apps/staging/kustomization.yaml': staging,
        'apps/staging/podinfo-values.yaml': valuesPatch(
          '    - kind: ConfigMap\n      name: podinfo-values\n',
        ),
      },
      workloads: [podinfo('100m', '64Mi')],
      objects: liveFlux,
      repo: cfg,
      cluster: 'staging',
    });
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    expect(p.diff.match(/^diff --git a\/(\S+)/gm)).toEqual(['diff --git a/apps/staging/podinfo-config.yaml']);
    const proposals = renderedProposals(p.doc);
    const tree = await ws.apply('tidemark/cm');
    const cm = parseAllDocuments(kustomizeBuild(join(tree, 'apps/staging')))
      .map((d) => d.toJS() as { kind?: string; data?: Record<string, string> })
      .find((d) => d.kind === 'ConfigMap')!;
    expect(cm.data!['values.yaml']).toMatch(/^# staging sizing\n/);
    const values = parse(cm.data!['values.yaml']!) as { resources: { requests: Record<string, string> } };
    expect(proposals.length).toBeGreaterThan(0);
    for (const x of proposals)
      expect(values.resources.requests[x.field.split('.')[1] ?? '']).toBe(x.proposed);
    execFileSync('git', ['checkout', '-q', 'tidemark/cm'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');

    const secret = await prepareLayout({
      from: repoDir,
      files: {
        'apps/staging/podinfo-values.yaml': valuesPatch(
          '    - kind: Secret\n      name: podinfo-secret-values\n',
        ),
      },
      workloads: [podinfo('1m', '16Mi')],
      objects: liveFlux,
      repo: {
        ...cfg,
        helm: [
          {
            workloads: [
              { kind: 'Deployment', name: 'podinfo', container: 'podinfo', resourcesPath: 'resources' },
            ],
          },
        ],
      },
      cluster: 'staging',
    });
    const s = await secret.plan('out');
    expect(s.code).toBe(0);
    expect(s.diff).toBe('');
    const skip = s.doc.clusters[0]!.skipped.find(
      (x) => x.analyzer === 'render' && x.workload === 'Deployment/podinfo/podinfo',
    );
    expect(skip?.detail).toMatch(
      /resources may come from the Secret podinfo-secret-values in the HelmRelease's valuesFrom; Tidemark never reads or edits Secrets/,
    );
  });
});
