/**
 * Fields an in-cluster controller rewrites, handed over through the real renderer: Aliyun's
 * CronHPA rewrites its HPA's min/max, so the PR carries Argo CD `ignoreDifferences` with
 * `RespectIgnoreDifferences=true` or a Flux `spec.ignore` rule for exactly those pointers — or is
 * refused when neither engine document exists. A workload a Flux HelmRelease applies gets
 * `spec.driftDetection` on that release, edited byte-minimally.
 */
import { parse } from 'yaml';
import { modelOf, deploymentWithPods, container, hpa } from '../testing/model-fixtures.js';
import { tempRepo } from '../testing/temp-repo.js';
import { CHECKOUT_DEPLOYMENT_YAML, CHECKOUT_HPA_MANIFEST, renderDemo } from '../testing/render-fixtures.js';
import { hpaAdoptionChange } from '../testing/changes.js';
import { aliyunForm } from '../analyze/cronhpa/forms.js';
import type { Schedule } from '../analyze/cronhpa/schedule.js';
import type { WorkloadChange } from '../plan/types.js';
import type { RepoConfig } from '../config/types.js';
import type { KubeObject } from '../collect/types.js';

const repo = (files: Record<string, string>): string => tempRepo(files, 'tidemark-handover-');

const hpaYaml = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: checkout
  namespace: shop
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: checkout }
  minReplicas: 2
  maxReplicas: 10
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 60 } }
`;

/** A weekday 09:00–21:00 peak in Berlin: six replicas from 08:45, back to the floor at 21:00. */
const schedule: Schedule = {
  timezone: 'Europe/Berlin',
  floor: 2,
  leadMinutes: 15,
  windows: [
    { label: 'weekdays', days: [1, 2, 3, 4, 5], rampStart: 540, rampEnd: 1260, upAt: 525, replicas: 6 },
  ],
};

const AT = 1_800_000_000;

function liveObjects(meta: {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}): KubeObject[] {
  return [
    ...deploymentWithPods('checkout', 'shop', {
      replicas: 3,
      containers: [container({ name: 'app', cpu: '500m' })],
      ...meta,
    }),
    hpa('checkout', 'shop', 'checkout', { min: 2, max: 10, cpuUtilization: 60 }),
  ];
}

/** The change the cronhpa analyzer makes for the Aliyun form, hand-over built as analyze.ts does. */
function aliyunChange(objects: KubeObject[]): WorkloadChange {
  const w = modelOf(objects, AT).workloads.get('Deployment/shop/checkout')!;
  const rendered = aliyunForm(
    w,
    schedule,
    { name: 'checkout', existing: true, min: 2, max: 10, target: 60 },
    'Asia/Shanghai',
    AT,
  );
  return {
    cluster: 'demo',
    workload: w.key,
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
    handOver: rendered.drift.map((d) => ({
      object: d.object,
      pointers: d.pointers,
      owner: `${rendered.object.kind} ${rendered.object.name}`,
      required: true,
    })),
  } as unknown as WorkloadChange;
}

const render = (
  root: string,
  objects: KubeObject[],
  changes: WorkloadChange[],
  r: Partial<RepoConfig> = {},
) => renderDemo(root, objects, changes, r, AT);

const CRON_FILE = 'clusters/demo/shop/tidemark-cronhorizontalpodautoscaler-checkout.yaml';

describe('render: hand-over of controller-owned fields (CronHPA min/max, HelmRelease drift)', () => {
  it("Aliyun CronHPA under Argo CD: ignoreDifferences on the HPA's min/max plus RespectIgnoreDifferences=true, existing entries kept", async () => {
    const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd
spec:
  source:
    repoURL: https://example.com/gitops.git
    path: clusters/demo/shop
  ignoreDifferences:
    - group: apps
      kind: Deployment
      jsonPointers: [/spec/replicas]
  syncPolicy:
    syncOptions:
      - CreateNamespace=true
`;
    const root = repo({
      'clusters/demo/shop/checkout.yaml': CHECKOUT_DEPLOYMENT_YAML,
      'clusters/demo/shop/hpa.yaml': hpaYaml,
      'argocd/shop.yaml': application,
    });
    const objects = liveObjects({
      annotations: { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/checkout' },
    });
    const result = await render(root, objects, [aliyunChange(objects)]);
    expect(result.skipped).toEqual([]);
    expect(result.edits.map((e) => e.path)).toEqual(['argocd/shop.yaml', CRON_FILE]);
    const app = parse(result.edits[0]!.after);
    expect(app.spec.ignoreDifferences).toEqual([
      { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
      {
        group: 'autoscaling',
        kind: 'HorizontalPodAutoscaler',
        name: 'checkout',
        namespace: 'shop',
        jsonPointers: ['/spec/minReplicas', '/spec/maxReplicas'],
      },
    ]);
    expect(app.spec.syncPolicy.syncOptions).toEqual([
      'CreateNamespace=true',
      'RespectIgnoreDifferences=true',
    ]);
    // Lines only added: every original line is still there, in order.
    const before = application.split('\n');
    const after = result.edits[0]!.after.split('\n');
    expect(after.filter((l) => before.includes(l))).toEqual(before);
    const cron = parse(result.edits[1]!.after);
    expect(cron.kind).toBe('CronHorizontalPodAutoscaler');
    expect(cron.spec.scaleTargetRef).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      name: 'checkout',
    });
    expect(result.handOverNotes.get('Deployment/shop/checkout')).toEqual([
      'Argo CD Application shop: ignoreDifferences + RespectIgnoreDifferences=true for HorizontalPodAutoscaler checkout /spec/minReplicas, /spec/maxReplicas (now owned by CronHorizontalPodAutoscaler checkout)',
    ]);
  });

  it("Aliyun CronHPA under Flux: a spec.ignore rule for the HPA's min/max, its name anchored", async () => {
    const kustomization = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: shop
  namespace: flux-system
spec:
  path: ./clusters/demo/shop
  prune: true
`;
    const root = repo({
      'clusters/demo/shop/checkout.yaml': CHECKOUT_DEPLOYMENT_YAML,
      'clusters/demo/shop/hpa.yaml': hpaYaml,
      'flux/shop.yaml': kustomization,
    });
    const objects = liveObjects({
      labels: {
        app: 'checkout',
        'kustomize.toolkit.fluxcd.io/name': 'shop',
        'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
      },
    });
    const result = await render(root, objects, [aliyunChange(objects)]);
    expect(result.skipped).toEqual([]);
    expect(result.edits.map((e) => e.path)).toEqual([CRON_FILE, 'flux/shop.yaml']);
    const k = result.edits[1]!.after;
    expect(k.startsWith(kustomization)).toBe(true);
    expect(parse(k).spec.ignore).toEqual([
      {
        paths: ['/spec/minReplicas', '/spec/maxReplicas'],
        target: {
          group: 'autoscaling',
          kind: 'HorizontalPodAutoscaler',
          name: '^checkout$',
          namespace: 'shop',
        },
      },
    ]);
  });

  it('refuses the Aliyun form where no Argo CD Application or Flux document syncs the workload, writing nothing', async () => {
    const root = repo({
      'clusters/demo/shop/checkout.yaml': CHECKOUT_DEPLOYMENT_YAML,
      'clusters/demo/shop/hpa.yaml': hpaYaml,
    });
    const objects = liveObjects({});
    const result = await render(root, objects, [aliyunChange(objects)]);
    expect(result.edits).toEqual([]);
    expect(result.skipped).toEqual([
      expect.objectContaining({
        reason: 'handover-impossible',
        detail: expect.stringMatching(
          /HorizontalPodAutoscaler checkout \/spec\/minReplicas, \/spec\/maxReplicas must be left to CronHorizontalPodAutoscaler checkout/,
        ),
      }),
    ]);
  });

  describe('Flux HelmRelease', () => {
    const chart = {
      'charts/shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.0.0\n',
      'charts/shop/values.yaml': 'checkout:\n  resources:\n    requests:\n      cpu: 500m\n',
      'charts/shop/templates/checkout.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources: {{- toYaml .Values.checkout.resources | nindent 12 }}\n',
      'charts/shop/templates/hpa.yaml':
        '{{- if .Values.checkout.autoscaling.enabled }}\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  minReplicas: {{ .Values.checkout.autoscaling.minReplicas }}\n  maxReplicas: {{ .Values.checkout.autoscaling.maxReplicas }}\n  targetCPU: {{ .Values.checkout.autoscaling.targetCPUUtilizationPercentage }}\n{{- end }}\n',
      'clusters/demo/shop-values.yaml': 'checkout:\n  replicas: 3\n',
    };
    const release = (extra = ''): string => `# the shop release, demo cluster
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: shop
  namespace: shop
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/shop
      sourceRef: { kind: GitRepository, name: gitops, namespace: flux-system }
${extra}`;
    const helm: Partial<RepoConfig> = {
      helm: [
        {
          chart: 'charts/shop',
          values: 'clusters/demo/shop-values.yaml',
          workloads: [
            { kind: 'Deployment', name: 'checkout', container: 'app', resourcesPath: 'checkout.resources' },
          ],
        },
      ],
    };
    const labels = { 'helm.toolkit.fluxcd.io/name': 'shop', 'helm.toolkit.fluxcd.io/namespace': 'shop' };
    const adopt = () => hpaAdoptionChange('shop', 'checkout', CHECKOUT_HPA_MANIFEST);
    const workload = () =>
      deploymentWithPods('checkout', 'shop', {
        replicas: 3,
        containers: [container({ name: 'app', cpu: '500m' })],
        labels,
      });

    it('adds spec.driftDetection (mode enabled, /spec/replicas ignored on the Deployment) to the release, only adding lines', async () => {
      const text = release();
      const root = repo({ ...chart, 'clusters/demo/apps/shop-release.yaml': text });
      const result = await render(root, workload(), [adopt()], helm);
      expect(result.skipped).toEqual([]);
      expect(result.edits.map((e) => e.path)).toEqual([
        'clusters/demo/apps/shop-release.yaml',
        'clusters/demo/shop-values.yaml',
      ]);
      const after = result.edits[0]!.after;
      expect(after.startsWith(text)).toBe(true);
      expect(parse(after).spec.driftDetection).toEqual({
        mode: 'enabled',
        ignore: [
          {
            paths: ['/spec/replicas'],
            target: { group: 'apps', kind: 'Deployment', name: '^checkout$', namespace: 'shop' },
          },
        ],
      });
      expect(result.handOverNotes.get('Deployment/shop/checkout')).toContainEqual(
        expect.stringMatching(
          /^Flux HelmRelease shop\/shop: spec\.driftDetection\.ignore for Deployment checkout \/spec\/replicas/,
        ),
      );
    });

    it("keeps the user's drift mode and rules, appending only the missing rule", async () => {
      const text = release(
        '  driftDetection:\n    mode: warn   # we look before we correct\n    ignore:\n      - paths: [/metadata/annotations]\n        target: { kind: Service }\n',
      );
      const root = repo({ ...chart, 'clusters/demo/apps/shop-release.yaml': text });
      const result = await render(root, workload(), [adopt()], helm);
      expect(result.skipped).toEqual([]);
      const after = result.edits.find((e) => e.path === 'clusters/demo/apps/shop-release.yaml')!.after;
      expect(after.startsWith(text)).toBe(true);
      expect(parse(after).spec.driftDetection).toEqual({
        mode: 'warn',
        ignore: [
          { paths: ['/metadata/annotations'], target: { kind: 'Service' } },
          {
            paths: ['/spec/replicas'],
            target: { group: 'apps', kind: 'Deployment', name: '^checkout$', namespace: 'shop' },
          },
        ],
      });
    });

    it('is refused as before when the release the workload names is not in the repository', async () => {
      const root = repo({
        ...chart,
        'clusters/demo/apps/shop-release.yaml': release().replace(
          'name: shop\n  namespace: shop',
          'name: other\n  namespace: shop',
        ),
      });
      const result = await render(root, workload(), [adopt()], helm);
      expect(result.edits).toEqual([]);
      expect(result.skipped[0]).toMatchObject({ reason: 'handover-impossible' });
    });
  });
});
