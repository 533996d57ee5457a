/**
 * Rendering autoscaling changes: a new HPA goes to the cluster's own folder with the replicas
 * handed to it through the GitOps engine (Argo CD or Flux) — or the change is refused; a Helm
 * release gets the chart's own autoscaling values; an existing HPA is tuned byte-minimally; an
 * object failing its closed schema is refused with nothing written.
 */
import { parse } from 'yaml';
import { deploymentWithPods, container, hpa } from '../testing/model-fixtures.js';
import { tempRepo } from '../testing/temp-repo.js';
import { CHECKOUT_HPA_MANIFEST, renderDemo } from '../testing/render-fixtures.js';
import { hpaAdoptionChange } from '../testing/changes.js';
import type { WorkloadChange } from '../plan/types.js';
import type { RepoConfig } from '../config/types.js';
import type { KubeObject } from '../collect/types.js';

const repo = (files: Record<string, string>): string => tempRepo(files, 'tidemark-autoscale-');

const deploymentYaml = `# checkout, owned by the shop team
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: shop
spec:
  replicas: 3   # sized for Black Friday
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/app:1.0
`;

const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: shop
  namespace: argocd
spec:
  source:
    repoURL: https://example.com/gitops.git
    path: clusters/demo/shop
  syncPolicy:
    automated: { prune: true, selfHeal: true }
`;

const adopt = (manifest: Record<string, unknown> = CHECKOUT_HPA_MANIFEST): WorkloadChange =>
  hpaAdoptionChange('shop', 'checkout', manifest);

function workload(
  meta: { annotations?: Record<string, string>; labels?: Record<string, string> } = {},
): KubeObject[] {
  return deploymentWithPods('checkout', 'shop', {
    replicas: 3,
    containers: [container({ name: 'app', cpu: '500m' })],
    ...meta,
  });
}

const render = (
  root: string,
  objects: KubeObject[],
  changes: WorkloadChange[],
  r: Partial<RepoConfig> = {},
) => renderDemo(root, objects, changes, r);

const ARGO = { 'argocd.argoproj.io/tracking-id': 'shop:apps/Deployment:shop/checkout' };

describe('render: autoscaling changes', () => {
  it('adds the HPA in the cluster folder and hands replicas over in the Argo CD Application, leaving spec.replicas as it is', async () => {
    const root = repo({
      'clusters/demo/shop/checkout.yaml': deploymentYaml,
      'argocd/shop.yaml': application,
    });
    const result = await render(root, workload({ annotations: ARGO }), [adopt()]);
    expect(result.skipped).toEqual([]);
    expect(result.edits.map((e) => e.path)).toEqual([
      'argocd/shop.yaml',
      'clusters/demo/shop/tidemark-horizontalpodautoscaler-checkout.yaml',
    ]);
    const app = parse(result.edits[0]!.after);
    expect(app.spec.ignoreDifferences).toEqual([
      {
        group: 'apps',
        kind: 'Deployment',
        name: 'checkout',
        namespace: 'shop',
        jsonPointers: ['/spec/replicas'],
      },
    ]);
    expect(app.spec.syncPolicy.syncOptions).toEqual(['RespectIgnoreDifferences=true']);
    expect(result.edits[0]!.after.startsWith(application.trimEnd())).toBe(true); // only lines added
    expect(parse(result.edits[1]!.after)).toEqual(CHECKOUT_HPA_MANIFEST);
    expect(result.handOverNotes.get('Deployment/shop/checkout')![0]).toMatch(/Argo CD Application shop/);
  });

  it('writes a Flux spec.ignore rule, its target name anchored', async () => {
    const flux = `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shop\n  namespace: flux-system\nspec:\n  path: ./clusters/demo/shop\n  prune: true\n`;
    const root = repo({ 'clusters/demo/shop/checkout.yaml': deploymentYaml, 'flux/shop.yaml': flux });
    const labels = {
      app: 'checkout',
      'kustomize.toolkit.fluxcd.io/name': 'shop',
      'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
    };
    const result = await render(root, workload({ labels }), [adopt()]);
    expect(result.skipped).toEqual([]);
    const k = parse(result.edits.find((e) => e.path === 'flux/shop.yaml')!.after);
    expect(k.spec.ignore).toEqual([
      {
        paths: ['/spec/replicas'],
        target: { group: 'apps', kind: 'Deployment', name: '^checkout$', namespace: 'shop' },
      },
    ]);
  });

  it('refuses the adoption when no engine document can be told to leave replicas alone, and writes nothing', async () => {
    const root = repo({ 'clusters/demo/shop/checkout.yaml': deploymentYaml });
    const result = await render(root, workload(), [adopt()]);
    expect(result.edits).toEqual([]);
    expect(result.skipped).toEqual([
      expect.objectContaining({
        reason: 'handover-impossible',
        detail: expect.stringMatching(/spec\/replicas must be left to HPA checkout/),
      }),
    ]);
  });

  it('never overwrites an object file a person changed', async () => {
    const root = repo({
      'clusters/demo/shop/checkout.yaml': deploymentYaml,
      'argocd/shop.yaml': application,
      'clusters/demo/shop/tidemark-horizontalpodautoscaler-checkout.yaml':
        '# tuned by hand\napiVersion: autoscaling/v2\n',
    });
    const result = await render(root, workload({ annotations: ARGO }), [adopt()]);
    expect(result.edits).toEqual([]);
    expect(result.skipped).toEqual([expect.objectContaining({ reason: 'object-exists' })]);
  });

  it('refuses an object that fails its closed schema (a misspelled field), and writes nothing', async () => {
    const root = repo({
      'clusters/demo/shop/checkout.yaml': deploymentYaml,
      'argocd/shop.yaml': application,
    });
    const typo = { ...CHECKOUT_HPA_MANIFEST, spec: { ...CHECKOUT_HPA_MANIFEST.spec, minReplica: 2 } };
    const result = await render(root, workload({ annotations: ARGO }), [adopt(typo)]);
    expect(result.edits).toEqual([]);
    expect(result.skipped[0]!.detail).toMatch(/spec\.minReplica is not a known field/);
  });

  it("sets a Helm chart's own autoscaling values when its templates read them, and refuses a chart that does not", async () => {
    const chart = (withHpa: boolean) => ({
      'charts/shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.0.0\n',
      'charts/shop/values.yaml': 'checkout:\n  replicas: 3\n  resources:\n    requests:\n      cpu: 500m\n',
      'charts/shop/templates/checkout.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  {{- if not .Values.checkout.autoscaling.enabled }}\n  replicas: {{ .Values.checkout.replicas }}\n  {{- end }}\n  template:\n    spec:\n      containers:\n        - name: app\n          resources: {{- toYaml .Values.checkout.resources | nindent 12 }}\n',
      ...(withHpa
        ? {
            'charts/shop/templates/hpa.yaml':
              '{{- if .Values.checkout.autoscaling.enabled }}\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  minReplicas: {{ .Values.checkout.autoscaling.minReplicas }}\n  maxReplicas: {{ .Values.checkout.autoscaling.maxReplicas }}\n  metrics:\n    - type: Resource\n      resource: { name: cpu, target: { type: Utilization, averageUtilization: {{ .Values.checkout.autoscaling.targetCPUUtilizationPercentage }} } }\n{{- end }}\n',
          }
        : {}),
      'clusters/demo/shop-values.yaml': '# demo cluster overrides\ncheckout:\n  replicas: 3\n',
      'argocd/shop.yaml': application.replace(
        'path: clusters/demo/shop',
        'path: charts/shop\n    helm:\n      valueFiles: [$values/clusters/demo/shop-values.yaml]',
      ),
    });
    const ok = await render(repo(chart(true)), workload({ annotations: ARGO }), [adopt()]);
    expect(ok.skipped).toEqual([]);
    const values = ok.edits.find((e) => e.path === 'clusters/demo/shop-values.yaml')!.after;
    expect(values).toBe(
      '# demo cluster overrides\ncheckout:\n  replicas: 3\n  autoscaling:\n    enabled: true\n    minReplicas: 2\n    maxReplicas: 7\n    targetCPUUtilizationPercentage: 60\n',
    );
    const refused = await render(repo(chart(false)), workload({ annotations: ARGO }), [adopt()]);
    expect(refused.edits).toEqual([]);
    expect(refused.skipped[0]!.detail).toMatch(
      /read no \.Values\.checkout\.autoscaling\.minReplicas\/maxReplicas/,
    );
  });

  it('tunes an existing HPA where it lives, byte-minimally, beside the workload', async () => {
    const hpaYaml = `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: checkout\n  namespace: shop\nspec:\n  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: checkout }\n  minReplicas: 3\n  maxReplicas: 4   # raised in the March incident\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n        target:\n          type: Utilization\n          averageUtilization: 70\n`;
    const root = repo({
      'clusters/demo/shop/checkout.yaml': deploymentYaml,
      'clusters/demo/shop/hpa.yaml': hpaYaml,
    });
    const ref = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'shop',
      name: 'checkout',
    };
    const tune = {
      cluster: 'demo',
      workload: 'Deployment/shop/checkout',
      recommendations: [],
      objects: [],
      handOver: [],
      fields: [
        {
          object: ref,
          path: ['spec', 'maxReplicas'],
          current: 4,
          proposed: 9,
          analyzer: 'hpa',
          recommendation: 'h',
        },
        {
          object: ref,
          path: ['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'],
          current: 70,
          proposed: 75,
          analyzer: 'hpa',
          recommendation: 'h',
        },
      ],
    } as unknown as WorkloadChange;
    const result = await render(
      root,
      [...workload(), hpa('checkout', 'shop', 'checkout', { min: 3, max: 4, cpuUtilization: 70 })],
      [tune],
    );
    expect(result.skipped).toEqual([]);
    expect(result.edits.map((e) => e.path)).toEqual(['clusters/demo/shop/hpa.yaml']);
    expect(result.edits[0]!.after).toBe(
      hpaYaml
        .replace('maxReplicas: 4   #', 'maxReplicas: 9   #')
        .replace('averageUtilization: 70', 'averageUtilization: 75'),
    );
    // Git disagreeing with live on the HPA leaves the whole workload alone
    const stale = await render(
      root,
      [...workload(), hpa('checkout', 'shop', 'checkout', { min: 3, max: 5, cpuUtilization: 70 })],
      [
        {
          ...tune,
          fields: tune.fields.map((f) => (f.path[1] === 'maxReplicas' ? { ...f, current: 5 } : f)),
        } as WorkloadChange,
      ],
    );
    expect(stale.edits).toEqual([]);
    expect(stale.skipped[0]).toMatchObject({
      reason: 'git-live-mismatch',
      detail: expect.stringMatching(
        /HorizontalPodAutoscaler checkout: spec\.maxReplicas is 4 in Git but 5 live/,
      ),
    });
  });
});

describe("render: an HPA through a Helm chart's autoscaling values", () => {
  const hpaTemplate = (keys: { target?: boolean; behavior?: boolean }) =>
    [
      '{{- if .Values.checkout.autoscaling.enabled }}',
      'apiVersion: autoscaling/v2',
      'kind: HorizontalPodAutoscaler',
      'spec:',
      '  minReplicas: {{ .Values.checkout.autoscaling.minReplicas }}',
      '  maxReplicas: {{ .Values.checkout.autoscaling.maxReplicas }}',
      ...(keys.target
        ? [
            '  metrics:',
            '    - type: Resource',
            '      resource: { name: cpu, target: { type: Utilization, averageUtilization: {{ .Values.checkout.autoscaling.targetCPUUtilizationPercentage }} } }',
          ]
        : []),
      ...(keys.behavior
        ? ['  behavior: {{- toYaml .Values.checkout.autoscaling.behavior | nindent 4 }}']
        : []),
      '{{- end }}',
      '',
    ].join('\n');
  const chart = (keys: { target?: boolean; behavior?: boolean }, values = 'checkout:\n  replicas: 3\n') => ({
    'charts/shop/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 1.0.0\n',
    'charts/shop/values.yaml':
      'checkout:\n  replicas: 3\n  resources:\n    requests:\n      cpu: 500m\n  autoscaling:\n    enabled: false\n    minReplicas: 1\n    maxReplicas: 5\n    targetCPUUtilizationPercentage: 80\n',
    'charts/shop/templates/checkout.yaml':
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          resources: {{- toYaml .Values.checkout.resources | nindent 12 }}\n',
    'charts/shop/templates/hpa.yaml': hpaTemplate(keys),
    'clusters/demo/shop-values.yaml': `# demo cluster overrides\n${values}`,
    'argocd/shop.yaml': application.replace(
      'path: clusters/demo/shop',
      'path: charts/shop\n    helm:\n      valueFiles: [$values/clusters/demo/shop-values.yaml]',
    ),
  });
  const behavior = {
    scaleUp: {
      stabilizationWindowSeconds: 0,
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
    },
  };
  const withBehavior = { ...CHECKOUT_HPA_MANIFEST, spec: { ...CHECKOUT_HPA_MANIFEST.spec, behavior } };

  it('refuses the HPA, naming the values key, when the chart cannot carry its CPU target (min/max alone are not written)', async () => {
    const result = await render(repo(chart({})), workload({ annotations: ARGO }), [adopt()]);
    expect(result.edits).toEqual([]);
    expect(result.skipped).toEqual([
      expect.objectContaining({
        reason: 'render-refused',
        detail: expect.stringMatching(
          /do not read \.Values\.checkout\.autoscaling\.targetCPUUtilizationPercentage, so the cpu target cannot be carried/,
        ),
      }),
    ]);
  });

  it('says the behavior is not carried when the chart reads no behavior key, and writes it when the chart does', async () => {
    const without = await render(repo(chart({ target: true })), workload({ annotations: ARGO }), [
      adopt(withBehavior),
    ]);
    expect(without.skipped).toEqual([]);
    const notes = without.handOverNotes.get('Deployment/shop/checkout') ?? [];
    expect(notes).toContainEqual(
      expect.stringMatching(/read no \.Values\.checkout\.autoscaling\.behavior.*behavior is not carried/),
    );
    expect(without.edits.find((e) => e.path === 'clusters/demo/shop-values.yaml')!.after).not.toMatch(
      /behavior/,
    );

    const carried = await render(
      repo(chart({ target: true, behavior: true })),
      workload({ annotations: ARGO }),
      [adopt(withBehavior)],
    );
    expect(carried.skipped).toEqual([]);
    const values = parse(carried.edits.find((e) => e.path === 'clusters/demo/shop-values.yaml')!.after);
    expect(values.checkout.autoscaling).toEqual({
      enabled: true,
      minReplicas: 2,
      maxReplicas: 7,
      targetCPUUtilizationPercentage: 60,
      behavior,
    });
    expect(carried.handOverNotes.get('Deployment/shop/checkout') ?? []).not.toContainEqual(
      expect.stringMatching(/not carried/),
    );
  });

  it("tunes an HPA the chart renders through the chart's autoscaling keys, and refuses a field with no key", async () => {
    const values =
      'checkout:\n  replicas: 3\n  autoscaling:\n    enabled: true\n    minReplicas: 3\n    maxReplicas: 4   # March incident\n    targetCPUUtilizationPercentage: 70\n';
    const root = repo(chart({ target: true }, values));
    const ref = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      namespace: 'shop',
      name: 'checkout',
    };
    const field = (path: unknown[], current: unknown, proposed: unknown) => ({
      object: ref,
      path,
      current,
      proposed,
      analyzer: 'hpa',
      recommendation: 'h',
    });
    const tune = (fields: unknown[]) =>
      ({
        cluster: 'demo',
        workload: 'Deployment/shop/checkout',
        recommendations: [],
        objects: [],
        handOver: [],
        fields,
      }) as unknown as WorkloadChange;
    const live = hpa('checkout', 'shop', 'checkout', { min: 3, max: 4, cpuUtilization: 70 });
    live.metadata.annotations = ARGO;
    const result = await render(
      root,
      [...workload({ annotations: ARGO }), live],
      [
        tune([
          field(['spec', 'maxReplicas'], 4, 9),
          field(['spec', 'metrics', 0, 'resource', 'target', 'averageUtilization'], 70, 75),
        ]),
      ],
    );
    expect(result.skipped).toEqual([]);
    expect(result.edits.map((e) => e.path)).toEqual(['clusters/demo/shop-values.yaml']);
    expect(result.edits[0]!.after).toBe(
      `# demo cluster overrides\n${values.replace('maxReplicas: 4   #', 'maxReplicas: 9   #').replace('Percentage: 70', 'Percentage: 75')}`,
    );

    const refused = await render(
      root,
      [...workload({ annotations: ARGO }), live],
      [tune([field(['spec', 'behavior', 'scaleDown', 'stabilizationWindowSeconds'], 300, 600)])],
    );
    expect(refused.edits).toEqual([]);
    expect(refused.skipped[0]).toMatchObject({
      reason: 'render-refused',
      detail: expect.stringMatching(
        /spec\.behavior\.scaleDown\.stabilizationWindowSeconds has no values key in the chart's \.Values\.checkout\.autoscaling/,
      ),
    });
  });
});
