/**
 * The shop (fixtures/layouts/shop, in the shapes of a well-known microservices demo) in each
 * layout, end to end through the CLI: plan, apply to a branch, build the branch with the real tool
 * (`kubectl kustomize`, `helm template`), compare with the build before, and plan again on the
 * applied branch. Only resource values change, every comment survives, no shared base or template
 * is edited, the build carries exactly the proposals, and the second plan proposes nothing.
 */
import { join } from 'node:path';
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../collect/types.js';
import { packageRoot } from '../../core/json-schema.js';
import {
  prepareLayout,
  kustomizeBuild,
  helmTemplate,
  type LiveWorkload,
} from '../../testing/layout-workspace.js';
import { buildDifference, renderedProposals } from '../../testing/layout-checks.js';
import { helmBin } from '../../testing/helm/index.js';
import { describeWithTier } from '../../testing/tier-gate.js';
import { allowSlowTests } from '../../testing/slow.js';

allowSlowTests();

const shop = join(packageRoot(), 'fixtures', 'layouts', 'shop');
const text = (rel: string): string => readFileSync(join(shop, rel), 'utf8');

function app(name: string, source: Record<string, unknown>, namespace = 'shop'): KubeObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example.com/shop.git', targetRevision: 'main', ...source },
      destination: { server: 'https://kubernetes.default.svc', namespace },
    },
    status: { sync: { status: 'Synced' } },
  } as KubeObject;
}

/** The three services as the cluster runs them, tracked by the Application `appName`. */
function services(appName: string, namespace = 'shop', quoted = false): LiveWorkload[] {
  const tracking = (n: string) => ({
    'argocd.argoproj.io/tracking-id': `${appName}:apps/Deployment:${namespace}/${n}`,
  });
  const svc = (name: string, cpu: string, limitCpu: string, usageCpu: number): LiveWorkload => ({
    namespace,
    name,
    annotations: tracking(name),
    containers: [
      {
        name: 'server',
        requests: { cpu, memory: '64Mi' },
        limits: { cpu: limitCpu, memory: '128Mi' },
        usage: { cpu: usageCpu, memoryMiB: 30 },
      },
    ],
  });
  return [
    svc('cartservice', '200m', '300m', 0.03),
    svc('checkoutservice', '100m', '200m', 0.02),
    ...(quoted ? [svc('currencyservice', '100m', '200m', 0.02)] : []),
  ];
}

/** Every comment line of a file (a `#` after content, or a whole line) is still in the edited text. */
function commentsSurvive(before: string, after: string): string[] {
  const comments = before
    .split(/\r?\n/)
    .map((l) => /(^|\s)#.*$/.exec(l)?.[0]?.trim())
    .filter((c): c is string => !!c);
  return comments.filter((c) => !after.includes(c));
}

describeWithTier('kubectl')('e2e/layouts: the shop', () => {
  it('raw manifests under a kustomization (with CRLF + BOM, trailing comments, quoted quantities): edited in place, no patch', async () => {
    const crlf = '\ufeff' + text('kubernetes-manifests/checkoutservice.yaml').replace(/\n/g, '\r\n');
    const ws = await prepareLayout({
      files: {
        'kubernetes-manifests/kustomization.yaml': text('kubernetes-manifests/kustomization.yaml'),
        'kubernetes-manifests/cartservice.yaml': text('kubernetes-manifests/cartservice.yaml'),
        'kubernetes-manifests/checkoutservice.yaml': crlf,
        'kubernetes-manifests/currencyservice.yaml': text('kubernetes-manifests/currencyservice.yaml'),
      },
      workloads: services('shop-raw', 'shop', true),
      objects: [app('shop-raw', { path: 'kubernetes-manifests' })],
      repo: { root: '' },
    });
    const before = kustomizeBuild(join(ws.repo, 'kubernetes-manifests'));
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(
      new Set(['cartservice', 'checkoutservice', 'currencyservice']),
    );
    // Only the three manifests change: no patch file, no kustomization edit.
    expect(
      p.diff
        .match(/^diff --git a\/(\S+)/gm)!
        .map((l) => l.slice('diff --git a/'.length))
        .sort(),
    ).toEqual([
      'kubernetes-manifests/cartservice.yaml',
      'kubernetes-manifests/checkoutservice.yaml',
      'kubernetes-manifests/currencyservice.yaml',
    ]);
    expect(p.diff).not.toMatch(/tidemark-deployment/);
    const tree = await ws.apply('tidemark/raw');
    for (const f of ['cartservice', 'checkoutservice', 'currencyservice']) {
      const rel = `kubernetes-manifests/${f}.yaml`;
      const was = ws.original(rel);
      const now = readFileSync(join(tree, rel), 'utf8');
      expect(commentsSurvive(was, now)).toEqual([]);
      // Only lines holding a cpu or memory value changed.
      const a = was.split('\n');
      const b = now.split('\n');
      expect(b).toHaveLength(a.length);
      for (let i = 0; i < a.length; i++)
        if (a[i] !== b[i]) expect(`${a[i]} → ${b[i]}`).toMatch(/^\s*(cpu|memory): [^]* → \s*(cpu|memory): /);
    }
    const checkout = readFileSync(join(tree, 'kubernetes-manifests/checkoutservice.yaml'), 'utf8');
    expect(checkout.startsWith('\ufeff')).toBe(true);
    expect(checkout.replace(/\r\n/g, '').includes('\n')).toBe(false); // every line still ends in CRLF
    const currency = readFileSync(join(tree, 'kubernetes-manifests/currencyservice.yaml'), 'utf8');
    expect(currency).toMatch(/cpu: "\d+m"/); // the quoting style stays
    expect(currency).toMatch(/memory: '\d+Mi'/);
    expect(buildDifference(before, kustomizeBuild(join(tree, 'kubernetes-manifests')), proposals)).toEqual(
      [],
    );

    execFileSync('git', ['checkout', '-q', 'tidemark/raw'], { cwd: ws.repo });
    const again = await ws.plan('again');
    expect(again.code).toBe(0);
    expect(again.diff).toBe('');
  });

  it("a base two overlays build: a patch in this cluster's overlay (images, replicas and a component still build), the base and the other overlay untouched", async () => {
    const files: Record<string, string> = {};
    for (const f of [
      'kustomize/base/kustomization.yaml',
      'kustomize/base/cartservice.yaml',
      'kustomize/base/checkoutservice.yaml',
      'kustomize/overlays/prod/kustomization.yaml',
      'kustomize/overlays/staging/kustomization.yaml',
      'kustomize/components/team-label/kustomization.yaml',
    ])
      files[f] = text(f);
    const live = services('shop-prod');
    // kustomize's `replicas: 3` runs live, and the component's label
    for (const w of live) w.replicas = w.name === 'checkoutservice' ? 3 : 2;
    const ws = await prepareLayout({
      files,
      workloads: live,
      objects: [app('shop-prod', { path: 'kustomize/overlays/prod' })],
      repo: { root: '' },
    });
    const prod = (dir: string) => kustomizeBuild(join(dir, 'kustomize/overlays/prod'));
    const staging = (dir: string) => kustomizeBuild(join(dir, 'kustomize/overlays/staging'));
    const beforeProd = prod(ws.repo);
    const beforeStaging = staging(ws.repo);
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['cartservice', 'checkoutservice']));
    // One patch file for the overlay, whatever the number of workloads, listed once.
    expect(p.diff.match(/^diff --git a\/(\S+)/gm)).toEqual([
      'diff --git a/kustomize/overlays/prod/kustomization.yaml',
      'diff --git a/kustomize/overlays/prod/tidemark-patches.yaml',
    ]);
    const tree = await ws.apply('tidemark/overlay');
    const patches = parseAllDocuments(
      readFileSync(join(tree, 'kustomize/overlays/prod/tidemark-patches.yaml'), 'utf8'),
    );
    expect(patches.map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name).sort()).toEqual([
      'cartservice',
      'checkoutservice',
    ]);
    for (const f of Object.keys(files).filter((x) => !x.startsWith('kustomize/overlays/prod/')))
      expect(readFileSync(join(tree, f), 'utf8')).toBe(ws.original(f));
    const k = readFileSync(join(tree, 'kustomize/overlays/prod/kustomization.yaml'), 'utf8');
    expect(k.startsWith(ws.original('kustomize/overlays/prod/kustomization.yaml'))).toBe(true); // only appended
    expect(parse(k).images).toEqual(parse(ws.original('kustomize/overlays/prod/kustomization.yaml')).images);
    expect(parse(k).replicas).toEqual([{ name: 'checkoutservice', count: 3 }]);
    expect(parse(k).patches).toEqual([{ path: 'tidemark-patches.yaml' }]);
    expect(buildDifference(beforeProd, prod(tree), proposals)).toEqual([]);
    expect(staging(tree)).toBe(beforeStaging);

    execFileSync('git', ['checkout', '-q', 'tidemark/overlay'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it("a base only this cluster's overlay builds: edited in place in the base, no patch", async () => {
    const files: Record<string, string> = {};
    for (const f of [
      'kustomize/base/kustomization.yaml',
      'kustomize/base/cartservice.yaml',
      'kustomize/base/checkoutservice.yaml',
      'kustomize/overlays/prod/kustomization.yaml',
      'kustomize/components/team-label/kustomization.yaml',
    ])
      files[f] = text(f);
    const live = services('shop-prod');
    for (const w of live) w.replicas = w.name === 'checkoutservice' ? 3 : 2;
    const ws = await prepareLayout({
      files,
      workloads: live,
      objects: [app('shop-prod', { path: 'kustomize/overlays/prod' })],
      repo: { root: '' },
    });
    const before = kustomizeBuild(join(ws.repo, 'kustomize/overlays/prod'));
    const p = await ws.plan('out');
    const proposals = renderedProposals(p.doc);
    expect(proposals.length).toBeGreaterThan(0);
    expect(
      p.diff
        .match(/^diff --git a\/(\S+)/gm)!
        .map((l) => l.slice('diff --git a/'.length))
        .sort(),
    ).toEqual(['kustomize/base/cartservice.yaml', 'kustomize/base/checkoutservice.yaml']);
    const tree = await ws.apply('tidemark/base');
    expect(buildDifference(before, kustomizeBuild(join(tree, 'kustomize/overlays/prod')), proposals)).toEqual(
      [],
    );
    execFileSync('git', ['checkout', '-q', 'tidemark/base'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it('names a manifest that does not parse (syntax error, tabs, a template) in the skip, in validate and in the PR, and never edits it', async () => {
    const cart = text('kubernetes-manifests/cartservice.yaml');
    const broken = {
      // an unclosed flow sequence
      'kubernetes-manifests/cartservice.yaml': cart.replace(
        '        - containerPort: 7070',
        '        - containerPort: [7070',
      ),
      // tab indentation
      'kubernetes-manifests/checkoutservice.yaml': text('kubernetes-manifests/checkoutservice.yaml').replace(
        '          image: checkoutservice',
        '\t  image: checkoutservice',
      ),
      // a template
      'kubernetes-manifests/currencyservice.yaml': text('kubernetes-manifests/currencyservice.yaml').replace(
        'image: currencyservice',
        'image: {{ .Values.image }}',
      ),
    };
    const ws = await prepareLayout({
      files: {
        'kubernetes-manifests/kustomization.yaml': text('kubernetes-manifests/kustomization.yaml'),
        ...broken,
      },
      workloads: services('shop-raw', 'shop', true),
      objects: [app('shop-raw', { path: 'kubernetes-manifests' })],
      repo: { root: '' },
    });
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    expect(p.diff).toBe('');
    const skips = p.doc.clusters[0]!.skipped.filter((s) => s.reason === 'unparsable-manifest');
    const detail = (n: string) => skips.find((s) => s.workload === `Deployment/shop/${n}`)?.detail ?? '';
    expect(detail('cartservice')).toMatch(
      /kubernetes-manifests\/cartservice\.yaml, line 2\d: .+; the file does not parse/,
    );
    expect(detail('checkoutservice')).toMatch(
      /kubernetes-manifests\/checkoutservice\.yaml, line 2\d: .*[Tt]ab/,
    );
    expect(detail('currencyservice')).toMatch(
      /kubernetes-manifests\/currencyservice\.yaml, line 1\d: a template, not YAML/,
    );
    expect(p.pr).toMatch(
      /unparsable-manifest \| argocd:shop-raw \(live\): Deployment cartservice is in kubernetes-manifests\/cartservice\.yaml, line/,
    );
    const v = await ws.cli(['validate', '--config', ws.config]);
    expect(v.code).toBe(2);
    expect(v.out).toMatch(
      /cannot locate prod\/Deployment\/shop\/checkoutservice: unparsable-manifest: .*checkoutservice\.yaml, line \d+/,
    );
    for (const f of Object.keys(broken)) expect(existsSync(join(ws.repo, f))).toBe(true);
  });
});

describeWithTier('helm')('e2e/layouts: the shop from charts', () => {
  let helm: string;
  beforeAll(() => (helm = helmBin()));
  const chartFiles = (prefix: string): Record<string, string> => {
    const files: Record<string, string> = {};
    for (const f of [
      'Chart.yaml',
      'values.yaml',
      'templates/cartservice.yaml',
      'templates/checkoutservice.yaml',
    ])
      files[`${prefix}/${f}`] = text(`helm-chart/${f}`);
    return files;
  };

  it("a chart rendered by one Argo CD Application without valueFiles: the chart's values.yaml, never a template", async () => {
    const files: Record<string, string> = {};
    for (const f of [
      'Chart.yaml',
      'values.yaml',
      'templates/cartservice.yaml',
      'templates/checkoutservice.yaml',
    ])
      files[`helm-chart/${f}`] = text(`helm-chart/${f}`);
    const live: LiveWorkload[] = [
      ...services('shop-helm'),
      {
        namespace: 'shop',
        name: 'redis-cart',
        annotations: { 'argocd.argoproj.io/tracking-id': 'shop-helm:apps/Deployment:shop/redis-cart' },
        containers: [
          {
            name: 'redis',
            requests: { cpu: '70m', memory: '200Mi' },
            limits: { cpu: '125m', memory: '256Mi' },
            usage: { cpu: 0.01, memoryMiB: 20 },
          },
        ],
      },
    ];
    const ws = await prepareLayout({
      files,
      workloads: live,
      objects: [app('shop-helm', { path: 'helm-chart' })],
      repo: { root: '' },
    });
    const render = (dir: string) => helmTemplate(helm, 'shop-helm', join(dir, 'helm-chart'), [], 'shop');
    const before = render(ws.repo);
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['cartservice', 'checkoutservice']));
    expect(p.diff.match(/^diff --git a\/(\S+)/gm)).toEqual(['diff --git a/helm-chart/values.yaml']);
    // A container whose resources the template writes itself has no values key: named, not "injected".
    expect(
      p.doc.clusters[0]!.skipped.find(
        (s) => s.analyzer === 'render' && s.workload === 'Deployment/shop/redis-cart',
      ),
    ).toMatchObject({
      reason: 'render-refused',
      detail: expect.stringMatching(/template writes container redis's resources itself, not from \.Values/),
    });
    const tree = await ws.apply('tidemark/helm');
    const values = readFileSync(join(tree, 'helm-chart/values.yaml'), 'utf8');
    expect(values).toContain('cpu: ');
    expect(values).toMatch(/cpu: \S+ # per replica/);
    expect(buildDifference(before, render(tree), proposals)).toEqual([]);
    execFileSync('git', ['checkout', '-q', 'tidemark/helm'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it("a chart two clusters' Applications render: a values file of this cluster's own, referenced from its Application, the PR says so", async () => {
    const files: Record<string, string> = {};
    for (const f of [
      'Chart.yaml',
      'values.yaml',
      'templates/cartservice.yaml',
      'templates/checkoutservice.yaml',
    ])
      files[`helm-chart/${f}`] = text(`helm-chart/${f}`);
    const appYaml = (name: string, server: string) =>
      `# ${name}: the shop on ${server}\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.com/shop.git\n    targetRevision: main\n    path: helm-chart\n  destination:\n    server: ${server}\n    namespace: shop\n`;
    files['argocd/shop-helm.yaml'] = appYaml('shop-helm', 'https://kubernetes.default.svc');
    files['argocd/shop-helm-eu.yaml'] = appYaml('shop-helm-eu', 'https://eu.example.com');
    const ws = await prepareLayout({
      files,
      workloads: services('shop-helm'),
      repo: { root: '', argocd: { applications: 'argocd' } },
    });
    const before = helmTemplate(helm, 'shop-helm', join(ws.repo, 'helm-chart'), [], 'shop');
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(proposals.length).toBeGreaterThan(0);
    expect(p.diff).not.toMatch(/^diff --git a\/helm-chart\/values\.yaml/m);
    expect(p.pr).toMatch(/### Where the values went[\s\S]*helm-chart\/values-prod\.yaml/);
    const tree = await ws.apply('tidemark/shared-chart');
    const appDoc = parse(readFileSync(join(tree, 'argocd/shop-helm.yaml'), 'utf8'));
    expect(appDoc.spec.source.helm.valueFiles).toEqual(['values-prod.yaml']);
    expect(readFileSync(join(tree, 'argocd/shop-helm-eu.yaml'), 'utf8')).toBe(
      ws.original('argocd/shop-helm-eu.yaml'),
    );
    const after = helmTemplate(
      helm,
      'shop-helm',
      join(tree, 'helm-chart'),
      [join(tree, 'helm-chart/values-prod.yaml')],
      'shop',
    );
    expect(buildDifference(before, after, proposals)).toEqual([]);
    // The other cluster renders exactly what it did.
    expect(helmTemplate(helm, 'shop-helm', join(tree, 'helm-chart'), [], 'shop')).toBe(before);
    execFileSync('git', ['checkout', '-q', 'tidemark/shared-chart'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it('kustomize helmCharts: valuesInline edited in the kustomization, the vendored chart untouched; it still builds with --enable-helm', async () => {
    const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
helmCharts:
  - name: shop
    releaseName: shop
    valuesInline:
      # prod sizing
      cartService:
        resources:
          requests:
            cpu: 200m
            memory: 64Mi
          limits:
            cpu: 300m
            memory: 128Mi
`;
    const ws = await prepareLayout({
      files: { ...chartFiles('inflated/charts/shop'), 'inflated/kustomization.yaml': kustomization },
      workloads: services('shop-inflated'),
      objects: [app('shop-inflated', { path: 'inflated' })],
      repo: { root: '' },
    });
    const before = kustomizeBuild(join(ws.repo, 'inflated'), helm);
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['cartservice', 'checkoutservice']));
    expect(p.diff.match(/^diff --git a\/(\S+)/gm)).toEqual(['diff --git a/inflated/kustomization.yaml']);
    const tree = await ws.apply('tidemark/inflated');
    const k = readFileSync(join(tree, 'inflated/kustomization.yaml'), 'utf8');
    expect(k).toContain('# prod sizing');
    expect(buildDifference(before, kustomizeBuild(join(tree, 'inflated'), helm), proposals)).toEqual([]);
    execFileSync('git', ['checkout', '-q', 'tidemark/inflated'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });

  it('a multi-source Application (chart from a registry, values file from this repository through $values): the values file, at the configured path once Git holds the live values there', async () => {
    const values = `# prod values for the shop chart (registry.example.com/charts/shop)
cartService:
  resources:
    requests:
      cpu: 200m
      memory: 64Mi
    limits:
      cpu: 300m
      memory: 128Mi
checkoutService:
  resources:
    requests:
      cpu: 100m
      memory: 64Mi
    limits:
      cpu: 200m
      memory: 128Mi
`;
    const multi: KubeObject = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop-multi', namespace: 'argocd' },
      spec: {
        project: 'default',
        sources: [
          {
            repoURL: 'oci://registry.example.com/charts',
            chart: 'shop',
            targetRevision: '0.9.0',
            helm: { valueFiles: ['$values/envs/prod/shop-values.yaml'] },
          },
          { repoURL: 'https://git.example.com/shop.git', targetRevision: 'main', ref: 'values' },
        ],
        destination: { server: 'https://kubernetes.default.svc', namespace: 'shop' },
      },
    } as KubeObject;
    const workloads = (name: string, key: string) => ({
      kind: 'Deployment',
      name,
      container: 'server',
      resourcesPath: `${key}.resources`,
    });
    const ws = await prepareLayout({
      files: { 'envs/prod/shop-values.yaml': values },
      workloads: services('shop-multi'),
      objects: [multi],
      repo: {
        root: '',
        helm: [
          {
            workloads: [
              workloads('cartservice', 'cartService'),
              workloads('checkoutservice', 'checkoutService'),
            ],
          },
        ],
      },
    });
    // The registry's chart, as a local copy, renders what the cluster runs.
    const chart = join(shop, 'helm-chart');
    const render = (dir: string) =>
      helmTemplate(helm, 'shop-multi', chart, [join(dir, 'envs/prod/shop-values.yaml')], 'shop');
    const before = render(ws.repo);
    const p = await ws.plan('out');
    expect(p.code).toBe(0);
    const proposals = renderedProposals(p.doc);
    expect(new Set(proposals.map((x) => x.name))).toEqual(new Set(['cartservice', 'checkoutservice']));
    expect(p.diff.match(/^diff --git a\/(\S+)/gm)).toEqual(['diff --git a/envs/prod/shop-values.yaml']);
    const tree = await ws.apply('tidemark/multi');
    expect(readFileSync(join(tree, 'envs/prod/shop-values.yaml'), 'utf8')).toMatch(
      /^# prod values for the shop chart/,
    );
    expect(buildDifference(before, render(tree), proposals)).toEqual([]);
    execFileSync('git', ['checkout', '-q', 'tidemark/multi'], { cwd: ws.repo });
    expect((await ws.plan('again')).diff).toBe('');
  });
});
