/**
 * A rendered CronHPA overlay still builds: the Aliyun and Crane forms placed by the real renderer
 * in the cluster's overlay over a shared base, written to disk, and built with `kubectl kustomize`.
 * The build must hold the new object exactly as rendered, the base's objects unchanged, and the
 * other cluster's overlay must not see it.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderChanges } from './index.js';
import { modelOf, deploymentWithPods, container, hpa } from '../testing/model-fixtures.js';
import { silentLogger } from '../core/logger.js';
import { tempRepo } from '../testing/temp-repo.js';
import { describeWithTier } from '../testing/tier-gate.js';
import { aliyunForm, craneForm, type RenderedForm } from '../analyze/cronhpa/forms.js';
import type { Schedule } from '../analyze/cronhpa/schedule.js';
import type { WorkloadChange } from '../plan/types.js';
import type { KubeObject } from '../collect/types.js';
import type { WorkloadModel } from '../model/types.js';

const AT = 1_800_000_000;

const schedule: Schedule = {
  timezone: 'Europe/Berlin',
  floor: 2,
  leadMinutes: 15,
  windows: [
    { label: 'weekdays', days: [1, 2, 3, 4, 5], rampStart: 540, rampEnd: 1260, upAt: 525, replicas: 6 },
  ],
};

const deploymentYaml = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
spec:
  replicas: 3
  selector: { matchLabels: { app: checkout } }
  template:
    metadata: { labels: { app: checkout } }
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
`;

const hpaYaml = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: checkout
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: checkout }
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 60 } }
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

function repoWith(baseFiles: string[]): string {
  const overlay = 'namespace: shop\nresources:\n  - ../../../bases/shop\n';
  return tempRepo(
    {
      'bases/shop/kustomization.yaml': `resources:\n${baseFiles.map((f) => `  - ${f}\n`).join('')}`,
      'bases/shop/checkout.yaml': deploymentYaml,
      ...(baseFiles.includes('hpa.yaml') ? { 'bases/shop/hpa.yaml': hpaYaml } : {}),
      'clusters/demo/shop/kustomization.yaml': overlay,
      'clusters/prod/shop/kustomization.yaml': overlay,
      'argocd/demo.yaml': app('demo'),
      'argocd/prod.yaml': app('prod'),
    },
    'tidemark-kbuild-',
  );
}

function live(withHpa: boolean): KubeObject[] {
  return [
    ...deploymentWithPods('checkout', 'shop', {
      replicas: 3,
      containers: [container({ name: 'app', cpu: '500m' })],
      annotations: { 'argocd.argoproj.io/tracking-id': 'shop-demo:apps/Deployment:shop/checkout' },
    }),
    ...(withHpa ? [hpa('checkout', 'shop', 'checkout', { min: 2, max: 10, cpuUtilization: 60 })] : []),
  ];
}

function changeOf(rendered: RenderedForm, handOver: WorkloadChange['handOver']): WorkloadChange {
  return {
    cluster: 'demo',
    workload: 'Deployment/shop/checkout',
    recommendations: [],
    fields: [],
    objects: [
      {
        object: rendered.object,
        manifest: rendered.manifest,
        schema: rendered.schema,
        analyzer: 'cronhpa',
        recommendation: 'cronhpa:Deployment/shop/checkout:schedule',
      },
    ],
    handOver,
  } as unknown as WorkloadChange;
}

/** Renders, writes the edits into the checkout, and builds both clusters' overlays. */
async function renderAndBuild(root: string, objects: KubeObject[], change: WorkloadChange) {
  const result = await renderChanges({
    repoDir: root,
    repo: { path: root, root: 'clusters/demo', argocd: { applications: 'argocd' } },
    cluster: 'demo',
    model: modelOf(objects, AT),
    changes: [change],
    logger: silentLogger,
  });
  expect(result.skipped).toEqual([]);
  for (const e of result.edits) {
    mkdirSync(dirname(join(root, e.path)), { recursive: true });
    writeFileSync(join(root, e.path), e.after);
  }
  const build = (cluster: string) =>
    parseAllDocuments(
      execFileSync('kubectl', ['kustomize', join(root, 'clusters', cluster, 'shop')], { encoding: 'utf8' }),
    ).map((d) => d.toJS() as { kind: string; metadata: { name: string; namespace?: string }; spec: unknown });
  return { result, demo: build('demo'), prod: build('prod') };
}

const workloadOf = (objects: KubeObject[]): WorkloadModel =>
  modelOf(objects, AT).workloads.get('Deployment/shop/checkout')!;

describeWithTier('kubectl')('render: CronHPA overlays still build with kubectl kustomize', () => {
  it('Aliyun form: the overlay builds with the CronHPA as rendered beside the base HPA; prod does not get it', async () => {
    const root = repoWith(['checkout.yaml', 'hpa.yaml']);
    const objects = live(true);
    const rendered = aliyunForm(
      workloadOf(objects),
      schedule,
      { name: 'checkout', existing: true, min: 2, max: 10, target: 60 },
      'Asia/Shanghai',
      AT,
    );
    const { result, demo, prod } = await renderAndBuild(
      root,
      objects,
      changeOf(
        rendered,
        rendered.drift.map((d) => ({
          object: d.object,
          pointers: d.pointers,
          owner: 'CronHorizontalPodAutoscaler checkout',
          required: true,
        })) as WorkloadChange['handOver'],
      ),
    );
    expect(result.edits.map((e) => e.path)).toContain('clusters/demo/shop/kustomization.yaml');
    expect(demo.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`).sort()).toEqual([
      'CronHorizontalPodAutoscaler/shop/checkout',
      'Deployment/shop/checkout',
      'HorizontalPodAutoscaler/shop/checkout',
    ]);
    const cron = demo.find((d) => d.kind === 'CronHorizontalPodAutoscaler')!;
    expect(cron.spec).toEqual((rendered.manifest as { spec: unknown }).spec);
    expect(prod.map((d) => d.kind).sort()).toEqual(['Deployment', 'HorizontalPodAutoscaler']);
  });

  it('Crane form: the overlay builds with the EffectiveHorizontalPodAutoscaler as rendered; prod does not get it', async () => {
    const root = repoWith(['checkout.yaml']);
    const objects = live(false);
    const rendered = craneForm(workloadOf(objects), schedule, {
      existing: false,
      min: 2,
      max: 10,
      target: 60,
    });
    const { demo, prod } = await renderAndBuild(
      root,
      objects,
      changeOf(rendered, [
        {
          object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'checkout' },
          pointers: ['/spec/replicas'],
          owner: 'HPA ehpa-checkout',
          required: true,
        },
      ] as WorkloadChange['handOver']),
    );
    expect(demo.map((d) => `${d.kind}/${d.metadata.namespace}/${d.metadata.name}`).sort()).toEqual([
      'Deployment/shop/checkout',
      'EffectiveHorizontalPodAutoscaler/shop/checkout',
    ]);
    const ehpa = demo.find((d) => d.kind === 'EffectiveHorizontalPodAutoscaler')!;
    expect(ehpa.spec).toEqual((rendered.manifest as { spec: unknown }).spec);
    expect(prod.map((d) => d.kind)).toEqual(['Deployment']);
  });
});
