/**
 * Patches in a cluster's overlay over a base another cluster also builds: one
 * `tidemark-patches.yaml` per overlay, one document per object, listed once in `patches:`. On later
 * runs a value it already holds is edited where it stands, a field it lacks is added inside that
 * object's document, a new object is one more document after the old bytes, and a patch file an
 * earlier run wrote per object is still edited in place. Each state is built with `kubectl kustomize`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { renderChanges } from '../index.js';
import { modelOf, deploymentWithPods, container } from '../../testing/model-fixtures.js';
import { silentLogger } from '../../core/logger.js';
import { tempRepo } from '../../testing/temp-repo.js';
import { changedLines } from '../../testing/layout-checks.js';
import type { WorkloadChange } from '../../plan/types.js';
import type { KubeObject } from '../../collect/types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const SERVICES = ['cart', 'checkout', 'currency'] as const;
type Service = (typeof SERVICES)[number];

const deploymentYaml = (name: string): string => `# ${name}: owned by the shop team
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
          resources:
            requests:
              cpu: 100m
`;

const app = (cluster: string): string => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop-${cluster}
  namespace: argocd
spec:
  source:
    repoURL: https://example.com/gitops.git
    path: clusters/${cluster}/shop
`;

const OVERLAY = 'namespace: shop\nresources:\n  - ../../../bases/shop\n';

function repo(extra: Record<string, string> = {}): string {
  return tempRepo({
    'bases/shop/kustomization.yaml': `resources:\n${SERVICES.map((s) => `  - ${s}.yaml\n`).join('')}`,
    ...Object.fromEntries(SERVICES.map((s) => [`bases/shop/${s}.yaml`, deploymentYaml(s)])),
    'clusters/demo/shop/kustomization.yaml': OVERLAY,
    'clusters/prod/shop/kustomization.yaml': OVERLAY,
    'argocd/demo.yaml': app('demo'),
    'argocd/prod.yaml': app('prod'),
    ...extra,
  });
}

type Live = Partial<Record<Service, { cpu: string; memoryLimit?: string }>>;

const CPU = ['spec', 'template', 'spec', 'containers', { name: 'app' }, 'resources', 'requests', 'cpu'];
const MEMORY_LIMIT = [
  'spec',
  'template',
  'spec',
  'containers',
  { name: 'app' },
  'resources',
  'limits',
  'memory',
];

function change(name: Service, fields: { path: unknown[]; from?: string; to: string }[]): WorkloadChange {
  return {
    cluster: 'demo',
    workload: `Deployment/shop/${name}`,
    recommendations: [],
    objects: [],
    fields: fields.map((f) => ({
      object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name },
      path: f.path,
      current: f.from,
      proposed: f.to,
      analyzer: 'rightsize',
      recommendation: `r-${name}`,
    })),
  } as unknown as WorkloadChange;
}

/** Renders against the live state, writes the edits into the checkout, returns what was edited. */
async function render(root: string, live: Live, changes: WorkloadChange[]) {
  const objects: KubeObject[] = Object.entries(live).flatMap(([name, v]) =>
    deploymentWithPods(name, 'shop', {
      containers: [container({ name: 'app', cpu: v.cpu, memoryLimit: v.memoryLimit })],
      annotations: { 'argocd.argoproj.io/tracking-id': `shop-demo:apps/Deployment:shop/${name}` },
    }),
  );
  const result = await renderChanges({
    repoDir: root,
    repo: { path: root, root: 'clusters/demo', argocd: { applications: 'argocd' } },
    cluster: 'demo',
    model: modelOf(objects),
    changes,
    logger: silentLogger,
  });
  expect(result.skipped).toEqual([]);
  const before = new Map<string, string | null>();
  for (const e of result.edits) {
    before.set(e.path, e.before ?? null);
    mkdirSync(dirname(join(root, e.path)), { recursive: true });
    writeFileSync(join(root, e.path), e.after);
  }
  return { files: result.edits.map((e) => e.path).sort(), before };
}

/** The app container's resources of every Deployment `kubectl kustomize` builds for a cluster. */
function built(root: string, cluster: string): Record<string, unknown> {
  const out = execFileSync('kubectl', ['kustomize', join(root, 'clusters', cluster, 'shop')], {
    encoding: 'utf8',
  });
  return Object.fromEntries(
    parseAllDocuments(out)
      .map((d) => d.toJS() as any)
      .filter((d) => d.kind === 'Deployment')
      .map((d) => [d.metadata.name, d.spec.template.spec.containers[0].resources]),
  );
}

const PATCHES = 'clusters/demo/shop/tidemark-patches.yaml';
const KUSTOMIZATION = 'clusters/demo/shop/kustomization.yaml';
const read = (root: string, rel: string): string => readFileSync(join(root, rel), 'utf8');

describe('render: patches over a shared base, one file per overlay', () => {
  it('writes every object of an overlay into one tidemark-patches.yaml listed once; both overlays still build, only this one changed', async () => {
    const root = repo();
    const prodBefore = built(root, 'prod');
    const { files } = await render(
      root,
      { cart: { cpu: '100m' }, checkout: { cpu: '100m' }, currency: { cpu: '100m' } },
      [
        change('cart', [{ path: CPU, from: '100m', to: '40m' }]),
        change('checkout', [{ path: CPU, from: '100m', to: '60m' }]),
        change('currency', [{ path: CPU, from: '100m', to: '80m' }]),
      ],
    );
    expect(files).toEqual([KUSTOMIZATION, PATCHES]);
    // Listed once, appended after the overlay's own bytes.
    expect(read(root, KUSTOMIZATION)).toBe(`${OVERLAY}patches:\n- path: tidemark-patches.yaml\n`);
    const docs = parseAllDocuments(read(root, PATCHES)).map((d) => d.toJS() as any);
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Deployment/cart',
      'Deployment/checkout',
      'Deployment/currency',
    ]);
    expect(read(root, PATCHES)).toMatch(
      /^# Managed by Tidemark for cluster demo: .*one document per object\.\n/,
    );
    expect(built(root, 'demo')).toEqual({
      cart: { requests: { cpu: '40m' } },
      checkout: { requests: { cpu: '60m' } },
      currency: { requests: { cpu: '80m' } },
    });
    expect(built(root, 'prod')).toEqual(prodBefore);
    for (const s of SERVICES) expect(read(root, `bases/shop/${s}.yaml`)).toBe(deploymentYaml(s));
  });

  it('on a later run: a value it holds edited where it stands, a new field inside its object, a new object appended; the kustomization untouched', async () => {
    const root = repo();
    await render(root, { cart: { cpu: '100m' }, checkout: { cpu: '100m' }, currency: { cpu: '100m' } }, [
      change('cart', [{ path: CPU, from: '100m', to: '40m' }]),
      change('checkout', [{ path: CPU, from: '100m', to: '60m' }]),
    ]);
    const first = read(root, PATCHES);
    const { files, before } = await render(
      root,
      { cart: { cpu: '40m' }, checkout: { cpu: '60m' }, currency: { cpu: '100m' } },
      [
        change('cart', [{ path: CPU, from: '40m', to: '30m' }]),
        change('checkout', [{ path: MEMORY_LIMIT, to: '256Mi' }]),
        change('currency', [{ path: CPU, from: '100m', to: '70m' }]),
      ],
    );
    expect(files).toEqual([PATCHES]);
    expect(before.get(PATCHES)).toBe(first);
    const second = read(root, PATCHES);
    // The old bytes stay, apart from cart's one value and checkout's new lines; currency follows.
    const [old, appended] = [
      second.slice(0, second.lastIndexOf('---\n')),
      second.slice(second.lastIndexOf('---\n')),
    ];
    const firstLines = first.split('\n');
    const oldLines = old.split('\n');
    expect(oldLines.filter((l) => !firstLines.includes(l)).map((l) => l.trim())).toEqual([
      'cpu: 30m',
      'limits:',
      'memory: 256Mi',
    ]);
    expect(firstLines.filter((l) => !oldLines.includes(l)).map((l) => l.trim())).toEqual(['cpu: 40m']);
    expect(parse(appended.slice(4))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'currency' },
      spec: {
        template: { spec: { containers: [{ name: 'app', resources: { requests: { cpu: '70m' } } }] } },
      },
    });
    expect(built(root, 'demo')).toEqual({
      cart: { requests: { cpu: '30m' } },
      checkout: { requests: { cpu: '60m' }, limits: { memory: '256Mi' } },
      currency: { requests: { cpu: '70m' } },
    });

    // The same values again (what a plan on the applied branch would carry): nothing is written.
    const again = await render(
      root,
      {
        cart: { cpu: '30m' },
        checkout: { cpu: '60m', memoryLimit: '256Mi' },
        currency: { cpu: '70m' },
      },
      [
        change('cart', [{ path: CPU, from: '30m', to: '30m' }]),
        change('checkout', [{ path: MEMORY_LIMIT, from: '256Mi', to: '256Mi' }]),
        change('currency', [{ path: CPU, from: '70m', to: '70m' }]),
      ],
    );
    expect(again.files).toEqual([]);
  });

  it('a per-object patch file an earlier run wrote is edited in place, and only objects it does not hold go into tidemark-patches.yaml', async () => {
    const legacy = `# Managed by Tidemark for cluster demo: values that differ from the shared base.
# Edit freely; Tidemark updates only the fields it owns.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
spec:
  template:
    spec:
      containers:
        - name: app
          resources:
            requests:
              cpu: 40m
`;
    const root = repo({
      'clusters/demo/shop/kustomization.yaml': `${OVERLAY}patches:\n  - path: tidemark-deployment-cart.yaml\n`,
      'clusters/demo/shop/tidemark-deployment-cart.yaml': legacy,
    });
    const { files } = await render(root, { cart: { cpu: '40m' }, checkout: { cpu: '100m' } }, [
      change('cart', [{ path: CPU, from: '40m', to: '30m' }]),
      change('checkout', [{ path: CPU, from: '100m', to: '60m' }]),
    ]);
    expect(files).toEqual([KUSTOMIZATION, 'clusters/demo/shop/tidemark-deployment-cart.yaml', PATCHES]);
    expect(changedLines(legacy, read(root, 'clusters/demo/shop/tidemark-deployment-cart.yaml'))).toEqual({
      removed: ['              cpu: 40m'],
      added: ['              cpu: 30m'],
    });
    expect(parseAllDocuments(read(root, PATCHES)).map((d) => (d.toJS() as any).metadata.name)).toEqual([
      'checkout',
    ]);
    expect(parse(read(root, KUSTOMIZATION)).patches).toEqual([
      { path: 'tidemark-deployment-cart.yaml' },
      { path: 'tidemark-patches.yaml' },
    ]);
    expect(built(root, 'demo')).toMatchObject({
      cart: { requests: { cpu: '30m' } },
      checkout: { requests: { cpu: '60m' } },
    });
  });
});
