/**
 * ApplicationSets in Git expanded as Argo CD's controller would for what render needs: the
 * generated Applications' names, paths and value files (git files, cluster and matrix generators;
 * the git directory and list generators run end to end in e2e/layouts/argocd-example-apps).
 */
import { RepoIndex } from './repo-index.js';
import { tempRepo } from '../../testing/temp-repo.js';
import { expandApplicationSets } from './applicationsets.js';
import { GitOpsEngines } from './gitops-engines.js';

const appset = (generators: string, template: string, goTemplate = false): string =>
  `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: { name: shop, namespace: argocd }
spec:
${goTemplate ? '  goTemplate: true\n' : ''}  generators:
${generators}
  template:
${template}`;

describe('render/locate/applicationsets', () => {
  it('git files: one Application per config file, its fields as parameters (fasttemplate), value files resolved against the path', () => {
    const root = tempRepo({
      'argocd/shop.yaml': appset(
        '    - git:\n        repoURL: https://git.example.com/gitops.git\n        files:\n          - path: "clusters/*/shop.json"\n',
        "    metadata: { name: 'shop-{{cluster.name}}' }\n    spec:\n      source: { repoURL: x, path: charts/shop, helm: { valueFiles: ['../../clusters/{{cluster.name}}/shop-values.yaml'] } }\n      destination: { server: '{{cluster.address}}', namespace: shop }\n",
      ),
      'clusters/prod/shop.json': '{"cluster": {"name": "prod", "address": "https://prod.example.com"}}\n',
      'clusters/dev/shop.json': '{"cluster": {"name": "dev", "address": "https://dev.example.com"}}\n',
    });
    const apps = expandApplicationSets(new RepoIndex(root), 'argocd', 'prod');
    expect([...apps.keys()].sort()).toEqual(['shop-dev', 'shop-prod']);
    const engines = new GitOpsEngines(new RepoIndex(root), { argocdDir: 'argocd', cluster: 'prod' });
    expect(engines.lookup({ argocdTrackingId: 'shop-prod:apps/Deployment:shop/web' })).toMatchObject({
      source: { path: 'charts/shop', valueFiles: ['clusters/prod/shop-values.yaml'] },
    });
    // Both generated Applications render the chart: it is shared, each with its own values file.
    expect(
      engines
        .builds()
        .filter((b) => b.path === 'charts/shop')
        .map((b) => b.key)
        .sort(),
    ).toEqual(['argocd:shop-dev', 'argocd:shop-prod']);
  });

  it("cluster generator (the config's cluster) in a matrix with a list, goTemplate", () => {
    const root = tempRepo({
      'argocd/shop.yaml': appset(
        '    - matrix:\n        generators:\n          - clusters: {}\n          - list:\n              elements:\n                - app: web\n                - app: api\n',
        "    metadata: { name: '{{.name}}-{{.app}}' }\n    spec:\n      source: { repoURL: x, path: 'apps/{{.app}}/overlays/{{.name}}' }\n      destination: { server: '{{.server}}', namespace: shop }\n",
        true,
      ),
    });
    const apps = expandApplicationSets(new RepoIndex(root), 'argocd', 'prod');
    expect([...apps.keys()].sort()).toEqual(['prod-api', 'prod-web']);
    expect(apps.get('prod-web')![0]!.spec.source.path).toBe('apps/web/overlays/prod');
  });

  it('leaves out an Application whose template uses an expression it cannot evaluate, rather than guess its path', () => {
    const root = tempRepo({
      'argocd/shop.yaml': appset(
        '    - list:\n        elements:\n          - app: web\n',
        "    metadata: { name: '{{.app}}' }\n    spec:\n      source: { repoURL: x, path: '{{ .app | upper }}' }\n      destination: { namespace: shop }\n",
        true,
      ),
    });
    expect(expandApplicationSets(new RepoIndex(root), 'argocd', 'prod').size).toBe(0);
  });
});
