/**
 * argoproj/argocd-example-apps (the snapshot in ../shared/real-repos), copied into a temporary git
 * repository with a synthetic live cluster: the Applications are those the app-of-apps chart
 * (`apps/`) renders — rendered here by the real helm, as Argo CD would — and the workloads carry
 * their tracking ids. Then plan, apply, build with the real tools, compare, plan again.
 * A second layout built from it holds ApplicationSets (git directory and list generators) instead,
 * with no live Applications: the files in Git are the fallback.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../collect/types.js';
import { prepareLayout, helmTemplate, type LiveWorkload } from '../../testing/layout-workspace.js';
import { buildDifference, renderedProposals } from '../../testing/layout-checks.js';
import { helmBin } from '../../testing/helm/index.js';
import { realRepo } from '../../testing/real-repos.js';
import { describeWithTier } from '../../testing/tier-gate.js';
import { allowSlowTests } from '../../testing/slow.js';

allowSlowTests();

/** The snapshot's folder, set once the suite runs (the real-repos tier decides whether it does). */
let repoDir: string;

const workload = (app: string, namespace: string, name: string, container: string): LiveWorkload => ({
  namespace,
  name,
  annotations: { 'argocd.argoproj.io/tracking-id': `${app}:apps/Deployment:${namespace}/${name}` },
  // Git sets no resources for these, and neither does the cluster: the plan adds requests.
  containers: [{ name: container, usage: { cpu: 0.04, memoryMiB: 48 } }],
});

describeWithTier('real-repos', 'helm')('e2e/layouts: argocd-example-apps', () => {
  let helm: string;
  beforeAll(() => {
    repoDir = realRepo('argocd-example-apps');
    helm = helmBin();
  });

  it('app-of-apps (Applications rendered by a chart, read live): a plain manifest edited in place, the chart one Application renders through its values.yaml, a folder another overlay builds refused', async () => {
    // The live Applications are what the apps chart renders.
    const rendered = helmTemplate(helm, 'apps', join(repoDir, 'apps'), [], 'argocd');
    const apps = parseAllDocuments(rendered)
      .map((d) => d.toJS() as KubeObject)
      .filter((o) => o?.kind === 'Application')
      .map((o) => ({ ...o, status: { sync: { status: 'Synced' } } }) as KubeObject);
    expect(apps.map((a) => a.metadata.name)).toContain('example.helm-guestbook');
    const ws = await prepareLayout({
      from: repoDir,
      workloads: [
        workload('example.guestbook', 'guestbook', 'guestbook-ui', 'guestbook-ui'),
        workload('example.helm-guestbook', 'helm-guestbook', 'helm-guestbook', 'helm-guestbook'),
        workload(
          'example.kustomize-guestbook',
          'kustomize-guestbook',
          'kustomize-guestbook-ui',
          'guestbook-ui',
        ),
      ],
      objects: apps,
      repo: { root: '' },
    });
    const chart = (dir: string) =>
      helmTemplate(helm, 'helm-guestbook', join(dir, 'helm-guestbook'), [], 'helm-guestbook');
    const beforeChart = chart(ws.repo);
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['guestbook-ui', 'helm-guestbook']));
    const files = p.diff.match(/^diff --git a\/(\S+)/gm)!.map((l) => l.slice('diff --git a/'.length));
    expect(files.sort()).toEqual(['guestbook/guestbook-ui-deployment.yaml', 'helm-guestbook/values.yaml']);
    const shared = p.doc.clusters[0]!.skipped.find(
      (s) =>
        s.analyzer === 'render' && s.workload === 'Deployment/kustomize-guestbook/kustomize-guestbook-ui',
    );
    expect(shared).toMatchObject({ reason: 'shared-folder' });
    expect(shared!.detail).toMatch(
      /come from kustomize-guestbook\/guestbook-ui-deployment\.yaml, and kustomize-guestbook\/, where this cluster's patch would go, is also built by Argo CD Application example\.pre-post-sync .* and the kustomization in pre-post-sync\//,
    );

    const tree = await ws.apply('tidemark/apps');
    // The chart's values.yaml: `resources: {}` becomes the proposed block, its comment block stays.
    const values = readFileSync(join(tree, 'helm-guestbook/values.yaml'), 'utf8');
    for (const line of ws
      .original('helm-guestbook/values.yaml')
      .split('\n')
      .filter((l) => l.trim().startsWith('#')))
      expect(values).toContain(line);
    for (const t of ['templates/deployment.yaml', 'templates/service.yaml', 'values-production.yaml'])
      expect(readFileSync(join(tree, 'helm-guestbook', t), 'utf8')).toBe(ws.original(`helm-guestbook/${t}`));
    const helmProposals = proposals.filter((x) => x.name === 'helm-guestbook');
    expect(buildDifference(beforeChart, chart(tree), helmProposals)).toEqual([]);
    // The plain manifest: the Deployment as kubectl reads it carries the proposals.
    const plain = (dir: string) => readFileSync(join(dir, 'guestbook/guestbook-ui-deployment.yaml'), 'utf8');
    expect(
      buildDifference(
        plain(ws.repo),
        plain(tree),
        proposals.filter((x) => x.name === 'guestbook-ui'),
      ),
    ).toEqual([]);

    execFileSync('git', ['checkout', '-q', 'tidemark/apps'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it('app-of-apps with nothing live: the Applications worked out from the chart in Git (its values.yaml, no helm at plan time); the same edits as when they are read live', async () => {
    const workloads = [
      workload('example.guestbook', 'guestbook', 'guestbook-ui', 'guestbook-ui'),
      workload('example.helm-guestbook', 'helm-guestbook', 'helm-guestbook', 'helm-guestbook'),
      workload(
        'example.kustomize-guestbook',
        'kustomize-guestbook',
        'kustomize-guestbook-ui',
        'guestbook-ui',
      ),
    ];
    const ws = await prepareLayout({ from: repoDir, workloads, repo: { root: '' } });
    const chart = (dir: string) =>
      helmTemplate(helm, 'helm-guestbook', join(dir, 'helm-guestbook'), [], 'helm-guestbook');
    const beforeChart = chart(ws.repo);
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['guestbook-ui', 'helm-guestbook']));
    const files = p.diff.match(/^diff --git a\/(\S+)/gm)!.map((l) => l.slice('diff --git a/'.length));
    expect(files.sort()).toEqual(['guestbook/guestbook-ui-deployment.yaml', 'helm-guestbook/values.yaml']);
    // The workloads carry Argo CD tracking ids: without the Applications the chart's template
    // makes they would be skipped as not-in-git (the next test), and the folder another
    // Application builds is known only from them.
    const shared = p.doc.clusters[0]!.skipped.find(
      (s) =>
        s.analyzer === 'render' && s.workload === 'Deployment/kustomize-guestbook/kustomize-guestbook-ui',
    );
    expect(shared).toMatchObject({ reason: 'shared-folder' });
    expect(shared!.detail).toMatch(
      /is also built by Argo CD Application example\.pre-post-sync \(apps\/templates\/applications\.yaml/,
    );

    const tree = await ws.apply('tidemark/apps-from-git');
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
    execFileSync('git', ['checkout', '-q', 'tidemark/apps-from-git'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it('app-of-apps with nothing live, a template it does not evaluate: skipped naming the file, the line and why', async () => {
    const template = readFileSync(join(repoDir, 'apps/templates/applications.yaml'), 'utf8');
    const withInclude = template.replace(
      '  namespace: argocd\n',
      '  namespace: argocd\n  labels: {{- include "apps.labels" . | nindent 4 }}\n',
    );
    expect(withInclude).not.toBe(template);
    const line = withInclude.split('\n').findIndex((l) => l.includes('include')) + 1;
    const ws = await prepareLayout({
      from: repoDir,
      files: { 'apps/templates/applications.yaml': withInclude },
      workloads: [workload('example.guestbook', 'guestbook', 'guestbook-ui', 'guestbook-ui')],
      repo: { root: '' },
    });
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    expect(p.diff).toBe('');
    const skip = p.doc.clusters[0]!.skipped.find(
      (s) => s.analyzer === 'render' && s.workload === 'Deployment/guestbook/guestbook-ui',
    );
    expect(skip?.reason).toBe('not-in-git');
    expect(skip?.detail).toContain(
      `Argo CD Application "example.guestbook" (from the tracking-id) is neither in the live cluster nor in the repository; chart templates holding Applications were not evaluated: apps/templates/applications.yaml, line ${line}: \`include\` is not evaluated: named templates from _helpers.tpl are not evaluated`,
    );
  });

  it('ApplicationSets in Git (git directory and list generators), nothing live: the generated Application with its path and value files', async () => {
    const appset = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbooks
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        revision: HEAD
        directories:
          - path: guestbook
  template:
    metadata:
      name: 'prod-{{.path.basename}}'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        targetRevision: HEAD
        path: '{{.path.path}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{.path.basename}}'
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
            env: production
  template:
    metadata:
      name: '{{cluster}}-helm-guestbook'
    spec:
      project: default
      source:
        repoURL: https://github.com/argoproj/argocd-example-apps.git
        targetRevision: HEAD
        path: helm-guestbook
        helm:
          valueFiles:
            - values-{{env}}.yaml
      destination:
        server: https://kubernetes.default.svc
        namespace: helm-guestbook
`;
    const ws = await prepareLayout({
      from: repoDir,
      files: { 'appsets/guestbooks.yaml': appset },
      workloads: [
        workload('prod-guestbook', 'guestbook', 'guestbook-ui', 'guestbook-ui'),
        workload('prod-helm-guestbook', 'helm-guestbook', 'helm-guestbook', 'helm-guestbook'),
      ],
      repo: { root: '', argocd: { applications: 'appsets' } },
    });
    const chart = (dir: string) =>
      helmTemplate(
        helm,
        'helm-guestbook',
        join(dir, 'helm-guestbook'),
        [join(dir, 'helm-guestbook/values-production.yaml')],
        'helm-guestbook',
      );
    const before = chart(ws.repo);
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['guestbook-ui', 'helm-guestbook']));
    // The value file the generated Application names, not the chart's shared defaults.
    const files = p.diff.match(/^diff --git a\/(\S+)/gm)!.map((l) => l.slice('diff --git a/'.length));
    expect(files.sort()).toEqual([
      'guestbook/guestbook-ui-deployment.yaml',
      'helm-guestbook/values-production.yaml',
    ]);
    const tree = await ws.apply('tidemark/appsets');
    expect(
      buildDifference(
        before,
        chart(tree),
        proposals.filter((x) => x.name === 'helm-guestbook'),
      ),
    ).toEqual([]);
    expect(
      readFileSync(join(tree, 'helm-guestbook/values-production.yaml'), 'utf8').startsWith(
        ws.original('helm-guestbook/values-production.yaml'),
      ),
    ).toBe(true);
    execFileSync('git', ['checkout', '-q', 'tidemark/appsets'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });
});
