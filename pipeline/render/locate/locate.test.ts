/**
 * Locating a live workload's source: the GitOps engine's tracking first, then a search that
 * understands kustomize's name prefixes and namespace; two candidates are ambiguous, never a guess.
 */
import { RepoIndex } from './repo-index.js';
import { tempRepo } from '../../testing/temp-repo.js';
import { Locator, type ObjectId } from './locate.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/json-schema.js';

const repo = (files: Record<string, string>): string => tempRepo(files, 'tidemark-locate-');

const deployment = (name: string, namespace?: string): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    ...(namespace ? [`  namespace: ${namespace}`] : []),
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    '        - name: app',
    '          image: app:1',
    '',
  ].join('\n');

const id = (name: string, namespace: string, gitops: ObjectId['gitops'] = {}): ObjectId => ({
  kind: 'Deployment',
  name,
  namespace,
  gitops,
});

describe('render/locate', () => {
  it("finds a workload built by a kustomize overlay with namePrefix and namespace, not the base's name", () => {
    const root = repo({
      'bases/web/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'bases/web/deployment.yaml': deployment('web'),
      'clusters/prod/web/kustomization.yaml':
        'namePrefix: prod-\nnamespace: shop\nresources: [../../../bases/web]\n',
    });
    const loc = new Locator(new RepoIndex(root), { path: root, root: 'clusters/prod' });
    const found = loc.locate(id('prod-web', 'shop'));
    expect(found).toMatchObject({
      location: { flavour: 'kustomize', via: 'search', overlay: 'clusters/prod/web' },
    });
    // The base's own name is not what runs in this cluster.
    expect(loc.locate(id('web', 'shop'))).toMatchObject({ skip: { reason: 'not-in-git' } });
  });

  it('refuses to guess between two manifests defining the same workload', () => {
    const root = repo({
      'clusters/demo/a.yaml': deployment('web', 'shop'),
      'clusters/demo/old/b.yaml': '# kept "for reference"\n---\n' + deployment('web', 'shop'),
    });
    const found = new Locator(new RepoIndex(root), { path: root, root: 'clusters/demo' }).locate(
      id('web', 'shop'),
    );
    expect(found).toMatchObject({ skip: { reason: 'ambiguous-source' } });
    expect((found as { skip: { detail: string } }).skip.detail).toMatch(
      /a\.yaml or clusters\/demo\/old\/b\.yaml/,
    );
  });

  it("follows Argo CD's tracking id to the Application's path, even when a search would be ambiguous", () => {
    const root = repo({
      'argocd/shop.yaml': [
        'apiVersion: argoproj.io/v1alpha1',
        'kind: Application',
        'metadata: { name: shop, namespace: argocd }',
        'spec:',
        '  source: { repoURL: "https://git.example.com/gitops.git", path: clusters/demo/shop }',
        '  destination: { namespace: shop }',
        '',
      ].join('\n'),
      'clusters/demo/shop/web.yaml': deployment('web', 'shop'),
      'clusters/demo/copy/web.yaml': deployment('web', 'shop'),
    });
    const loc = new Locator(new RepoIndex(root), {
      path: root,
      root: 'clusters/demo',
      argocd: { applications: 'argocd' },
    });
    const found = loc.locate(id('web', 'shop', { argocdTrackingId: 'shop:apps/Deployment:shop/web' }));
    expect(found).toMatchObject({
      location: { flavour: 'plain-manifest', file: 'clusters/demo/shop/web.yaml', docIndex: 0 },
    });
    const missing = loc.locate(id('web', 'shop', { argocdTrackingId: 'nope:apps/Deployment:shop/web' }));
    expect(missing).toMatchObject({ skip: { reason: 'not-in-git' } });
  });

  it("follows Flux's Kustomization labels to its path", () => {
    const root = repo({
      'flux/batch.yaml': [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: { name: batch, namespace: flux-system }',
        'spec: { path: ./clusters/demo/batch, prune: true, sourceRef: { kind: GitRepository, name: gitops } }',
        '',
      ].join('\n'),
      'clusters/demo/batch/workers.yaml':
        deployment('other', 'batch') + '---\n' + deployment('worker', 'batch'),
    });
    const loc = new Locator(new RepoIndex(root), {
      path: root,
      root: 'clusters/demo',
      flux: { kustomizations: 'flux' },
    });
    const found = loc.locate(
      id('worker', 'batch', { fluxKustomization: { name: 'batch', namespace: 'flux-system' } }),
    );
    expect(found).toMatchObject({
      location: { flavour: 'plain-manifest', file: 'clusters/demo/batch/workers.yaml', docIndex: 1 },
    });
  });

  it('finds a chart under the root that renders the workload by name when nothing tracks it, and never calls its templates broken', () => {
    const shop = join(packageRoot(), 'fixtures', 'layouts', 'shop', 'helm-chart');
    const files: Record<string, string> = {};
    for (const f of [
      'Chart.yaml',
      'values.yaml',
      'templates/cartservice.yaml',
      'templates/checkoutservice.yaml',
    ])
      files[`clusters/prod/shop/${f}`] = readFileSync(join(shop, f), 'utf8');
    const loc = new Locator(new RepoIndex(repo(files)), { path: '', root: 'clusters/prod' });
    expect(loc.locate(id('cartservice', 'shop'))).toMatchObject({
      location: {
        flavour: 'helm-values',
        via: 'search',
        chartDir: 'clusters/prod/shop',
        editFile: 'clusters/prod/shop/values.yaml',
      },
    });
    // redis-cart's name is literal in a template: still the chart, not an "unparsable" manifest.
    expect(loc.locate(id('redis-cart', 'shop'))).toMatchObject({ location: { flavour: 'helm-values' } });
  });
});
