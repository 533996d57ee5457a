/**
 * The GitOps engines' objects read from a real kube-apiserver (our minimal CRDs for Argo CD's
 * Application and Flux's Kustomization and HelmRelease, fixtures/crds), as the user bound only to
 * deploy/rbac's ClusterRole, where they say something other than the files in Git:
 * - argocd-example-apps with ApplicationSets in Git whose generated Applications point elsewhere
 *   (another path, a value file that does not exist) than the live Applications the controller
 *   made (path `guestbook`, `values-production.yaml`): render follows the live ones;
 * - flux2-kustomize-helm-example read whole (both clusters' Kustomizations named flux-system/apps):
 *   Git alone cannot tell which one is this cluster's, the live Kustomization and HelmRelease do.
 * Each is planned from Git alone first (the control), then live; applied, built with the real
 * tool, and planned again live on the applied branch.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../collect/types.js';
import {
  prepareLayout,
  helmTemplate,
  kustomizeBuild,
  type LayoutSpec,
  type LiveWorkload,
} from '../../testing/layout-workspace.js';
import { buildDifference, renderedProposals } from '../../testing/layout-checks.js';
import { helmBin } from '../../testing/helm/index.js';
import { realRepo } from '../../testing/real-repos.js';
import { describeWithTier } from '../../testing/tier-gate.js';
import type { ControlPlane } from '../../testing/control-plane/index.js';
import { seedFromSnapshot } from '../../testing/control-plane/seed.js';
import { createEngineObjects, startGitOpsEnginesCluster } from '../../testing/gitops-engines-cluster.js';
import type { PlanDocument } from '../../plan/plan-document.js';
import { allowSlowTests } from '../../testing/slow.js';

allowSlowTests();

const REPO_URL = 'https://github.com/argoproj/argocd-example-apps.git';

const appsets = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbooks
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - list:
        elements:
          - app: guestbook
            path: kustomize-guestbook
  template:
    metadata:
      name: 'prod-{{.app}}'
    spec:
      project: default
      source:
        repoURL: ${REPO_URL}
        targetRevision: HEAD
        path: '{{.path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{.app}}'
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: helm-guestbooks
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - cluster: prod
            env: staging
  template:
    metadata:
      name: '{{cluster}}-helm-guestbook'
    spec:
      project: default
      source:
        repoURL: ${REPO_URL}
        targetRevision: HEAD
        path: helm-guestbook
        helm:
          releaseName: helm-guestbook
          valueFiles:
            - values-{{env}}.yaml
      destination:
        server: https://kubernetes.default.svc
        namespace: helm-guestbook
`;

/** An Application as the ApplicationSet controller made it, with the sources Argo CD compared. */
function liveApp(
  name: string,
  appset: string,
  namespace: string,
  source: Record<string, unknown>,
): KubeObject {
  const src = { repoURL: REPO_URL, targetRevision: 'HEAD', ...source };
  const destination = { server: 'https://kubernetes.default.svc', namespace };
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name,
      namespace: 'argocd',
      ownerReferences: [
        {
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'ApplicationSet',
          name: appset,
          uid: '6f1c2b7e-0000-4000-8000-000000000001',
        },
      ],
    },
    spec: { project: 'default', source: src, destination },
    status: { sync: { status: 'Synced', revision: 'a1b2c3d', comparedTo: { source: src, destination } } },
  } as KubeObject;
}

const tracked = (app: string, namespace: string, name: string, container: string): LiveWorkload => ({
  namespace,
  name,
  annotations: { 'argocd.argoproj.io/tracking-id': `${app}:apps/Deployment:${namespace}/${name}` },
  containers: [{ name: container, usage: { cpu: 0.04, memoryMiB: 48 } }],
});

const changed = (diff: string): string[] =>
  (diff.match(/^diff --git a\/(\S+)/gm) ?? []).map((l) => l.slice('diff --git a/'.length)).sort();

const renderSkip = (doc: PlanDocument, workload: string) =>
  doc.clusters[0]!.skipped.find((s) => s.analyzer === 'render' && s.workload === workload);

/** A layout read live from its own API server: seeded with its workloads and the engines' objects. */
async function liveLayout(cp: ControlPlane, spec: LayoutSpec, engines: KubeObject[]) {
  const ws = await prepareLayout({ ...spec, kubeconfig: cp.kubeconfigFor('reader') });
  await seedFromSnapshot(cp, join(ws.dir, 'cluster'));
  await createEngineObjects(cp, engines);
  return ws;
}

/** The reader's LISTs of each engine resource since `from` in the audit log, and their status codes. */
function engineLists(cp: ControlPlane, from: number): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const e of cp.audit().slice(from))
    if (
      e.user.username === 'reader' &&
      e.verb === 'list' &&
      ['applications', 'kustomizations', 'helmreleases'].includes(e.objectRef?.resource ?? '')
    )
      (out[e.objectRef!.resource!] ??= []).push(e.responseStatus?.code ?? 0);
  return out;
}

describeWithTier(
  'kube',
  'real-repos',
  'helm',
)('e2e/layouts: GitOps engines read from a real kube-apiserver', () => {
  let helm: string;
  let cp: ControlPlane | undefined;
  beforeAll(() => (helm = helmBin()));
  afterEach(async () => {
    await cp?.stop();
    cp = undefined;
  });

  it('Argo CD: the live Applications an ApplicationSet made decide the path and the value file, not the ApplicationSet in Git', async () => {
    const repoDir = realRepo('argocd-example-apps');
    const spec: LayoutSpec = {
      from: repoDir,
      files: { 'appsets/guestbooks.yaml': appsets },
      workloads: [
        tracked('prod-guestbook', 'guestbook', 'guestbook-ui', 'guestbook-ui'),
        tracked('prod-helm-guestbook', 'helm-guestbook', 'helm-guestbook', 'helm-guestbook'),
      ],
      repo: { root: '', argocd: { applications: 'appsets' } },
    };
    // The control: from Git alone, the generated Applications point at kustomize-guestbook (where
    // no Deployment guestbook-ui is built) and at a values-staging.yaml that does not exist.
    const gitOnly = await (await prepareLayout(spec)).plan('out');
    expect(gitOnly.code).toBe(0);
    expect(gitOnly.diff).toBe('');
    expect(renderSkip(gitOnly.doc, 'Deployment/guestbook/guestbook-ui')).toMatchObject({
      reason: 'not-in-git',
      detail: 'argocd:prod-guestbook: kustomize-guestbook does not build Deployment guestbook-ui',
    });
    expect(renderSkip(gitOnly.doc, 'Deployment/helm-guestbook/helm-guestbook')?.detail).toMatch(
      /the values file helm-guestbook\/values-staging\.yaml does not exist/,
    );

    cp = await startGitOpsEnginesCluster();
    const ws = await liveLayout(cp, spec, [
      liveApp('prod-guestbook', 'guestbooks', 'guestbook', { path: 'guestbook' }),
      liveApp('prod-helm-guestbook', 'helm-guestbooks', 'helm-guestbook', {
        path: 'helm-guestbook',
        helm: { releaseName: 'helm-guestbook', valueFiles: ['values-production.yaml'] },
      }),
    ]);
    const chart = (dir: string) =>
      helmTemplate(
        helm,
        'helm-guestbook',
        join(dir, 'helm-guestbook'),
        [join(dir, 'helm-guestbook/values-production.yaml')],
        'helm-guestbook',
      );
    const beforeChart = chart(ws.repo);
    const audit = cp.audit().length;
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    // Each engine kind read once, with the role deploy/rbac ships, and allowed.
    expect(engineLists(cp, audit)).toEqual({
      applications: [200],
      kustomizations: [200],
      helmreleases: [200],
    });
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['guestbook-ui', 'helm-guestbook']));
    expect(changed(p.diff)).toEqual([
      'guestbook/guestbook-ui-deployment.yaml',
      'helm-guestbook/values-production.yaml',
    ]);

    const tree = await ws.apply('tidemark/live-apps');
    expect(
      buildDifference(
        beforeChart,
        chart(tree),
        proposals.filter((x) => x.name === 'helm-guestbook'),
      ),
    ).toEqual([]);
    const plain = (dir: string) => readFileSync(join(dir, 'guestbook/guestbook-ui-deployment.yaml'), 'utf8');
    expect(
      buildDifference(
        plain(ws.repo),
        plain(tree),
        proposals.filter((x) => x.name === 'guestbook-ui'),
      ),
    ).toEqual([]);

    // Planned again live on the applied branch: nothing to write; both workloads are found in the
    // files the first plan edited (Git now holds the proposals; the cluster has not synced them).
    execFileSync('git', ['checkout', '-q', 'tidemark/live-apps'], { cwd: ws.repo });
    const again = await ws.plan('again');
    expect(again.diff).toBe('');
    for (const w of ['Deployment/guestbook/guestbook-ui', 'Deployment/helm-guestbook/helm-guestbook']) {
      const s = renderSkip(again.doc, w);
      expect(s?.reason).toBe('git-live-mismatch');
      const proposed = proposals.find(
        (x) => w.endsWith(`/${x.name}`) && x.field === 'requests.cpu',
      )!.proposed;
      expect(s!.detail).toContain(`is ${JSON.stringify(proposed)} in Git`);
    }
  });

  it('Flux: the live Kustomization and HelmRelease tell which of two clusters’ overlays is this one, where Git alone cannot', async () => {
    const repoDir = realRepo('flux2-kustomize-helm-example');
    const base = readFileSync(join(repoDir, 'apps/base/podinfo/release.yaml'), 'utf8').replace(
      '  values:\n',
      '  values:\n    resources:\n      requests:\n        cpu: 100m\n        memory: 64Mi\n',
    );
    const spec: LayoutSpec = {
      from: repoDir,
      files: { 'apps/base/podinfo/release.yaml': base },
      workloads: [
        {
          namespace: 'podinfo',
          name: 'podinfo',
          labels: {
            'helm.toolkit.fluxcd.io/name': 'podinfo',
            'helm.toolkit.fluxcd.io/namespace': 'podinfo',
            'app.kubernetes.io/instance': 'podinfo',
          },
          containers: [
            {
              name: 'podinfo',
              requests: { cpu: '100m', memory: '64Mi' },
              usage: { cpu: 0.03, memoryMiB: 30 },
            },
          ],
        },
      ],
      // The whole repository: clusters/staging and clusters/production both hold flux-system/apps.
      repo: { root: '' },
      cluster: 'staging',
    };
    const gitOnly = await (await prepareLayout(spec)).plan('out');
    expect(gitOnly.code).toBe(0);
    expect(gitOnly.diff).toBe('');
    expect(renderSkip(gitOnly.doc, 'Deployment/podinfo/podinfo')).toMatchObject({
      reason: 'ambiguous-source',
    });

    cp = await startGitOpsEnginesCluster();
    const ws = await liveLayout(cp, spec, [
      {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: { name: 'apps', namespace: 'flux-system' },
        spec: {
          interval: '1h',
          prune: true,
          path: './staging',
          sourceRef: { kind: 'ExternalArtifact', name: 'apps' },
        },
        status: { lastAppliedRevision: 'latest@sha256:5f3a', conditions: [] },
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
        spec: {
          interval: '50m',
          releaseName: 'podinfo',
          chart: { spec: { chart: 'podinfo', sourceRef: { kind: 'HelmRepository', name: 'podinfo' } } },
        },
        status: { lastAttemptedRevision: '6.7.1' },
      } as KubeObject,
    ]);
    const audit = cp.audit().length;
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    expect(engineLists(cp, audit)).toEqual({
      applications: [200],
      kustomizations: [200],
      helmreleases: [200],
    });
    const proposals = renderedProposals(p.doc);
    expect(proposals.map((x) => x.field)).toContain('requests.cpu');
    expect(changed(p.diff)).toEqual(['apps/staging/podinfo-values.yaml']);

    const beforeProd = kustomizeBuild(join(ws.repo, 'apps/production'));
    const tree = await ws.apply('tidemark/live-flux');
    expect(kustomizeBuild(join(tree, 'apps/production'))).toBe(beforeProd);
    const values = (dir: string) =>
      parseAllDocuments(kustomizeBuild(join(dir, 'apps/staging')))
        .map((d) => d.toJS() as { kind?: string; spec?: { values?: { resources?: { requests?: unknown } } } })
        .find((d) => d.kind === 'HelmRelease')!.spec!.values!.resources!.requests as Record<string, string>;
    const built = values(tree);
    for (const x of proposals) expect(built[x.field.split('.')[1]!]).toBe(x.proposed);

    execFileSync('git', ['checkout', '-q', 'tidemark/live-flux'], { cwd: ws.repo });
    const again = await ws.plan('again');
    expect(again.diff).toBe('');
    // The cut just committed on this branch is held by policy (minChange.holdDecreases) before any
    // file is looked at, so nothing is edited twice.
    const rec = again.doc.clusters[0]!.recommendations.find(
      (r) => r.workload === 'Deployment/podinfo/podinfo' && r.analyzer === 'rightsize',
    );
    expect(rec?.render).toEqual({ status: 'not-rendered', reason: 'policy-rejected' });
    expect(renderSkip(again.doc, 'Deployment/podinfo/podinfo')).toBeUndefined();
  });
});
