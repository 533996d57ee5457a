/* eslint-disable @typescript-eslint/no-explicit-any */
import { analyzeHpa } from './analyze.js';
import { HPA_DEFAULTS } from './args.js';
import { container, deploymentWithPods, hpa, modelOf } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import { referenceValidator } from '../../testing/reference-schemas.js';
import { getValidator } from '../../core/json-schema.js';
import type { KubeObject } from '../../collect/types.js';
import type { AnalyzeContext, AnalyzerResult, Recommendation } from '../types.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const MiB = 2 ** 20;
const HOUR = 3600;
const ctx = (settings: Record<string, unknown> = {}, upstream?: AnalyzerResult): AnalyzeContext => ({
  now: END,
  cluster: 'test',
  clusterSettings: settings,
  ...(upstream ? { upstream: new Map([['rightsize', upstream]]) } : {}),
});

/** A 3-replica web Deployment; each pod uses `perPod(t)` cores. */
function webModel(
  perPod: (t: number) => number,
  o: {
    replicas?: number;
    cpu?: string;
    extra?: KubeObject[];
    metricsApi?: boolean;
    version?: string;
    days?: number;
  } = {},
) {
  const replicas = o.replicas ?? 3;
  const objects = [
    ...deploymentWithPods('web', 'shop', {
      replicas,
      containers: [container({ name: 'web', cpu: o.cpu ?? '500m', memory: '256Mi' })],
    }),
    ...(o.extra ?? []),
  ];
  const m = modelOf(objects, END, {
    metricsApiAvailable: o.metricsApi ?? true,
    version: o.version ?? 'v1.34.4',
  });
  const w = windowOf(END, o.days ?? 14);
  const pods = [...m.pods.values()].filter((p) => p.workload === 'Deployment/shop/web');
  return withUsage(
    m,
    w,
    pods.map((p) =>
      series(w, { namespace: 'shop', pod: p.name, container: 'web' }, { cpu: perPod, mem: () => 200 * MiB }),
    ),
  );
}

/** Busy 09:00–21:00 UTC: `high` cores per pod, else `low`. */
const daily = (low: number, high: number) => (t: number) => {
  const h = Math.floor((t % 86400) / HOUR);
  return h >= 9 && h < 21 ? high : low;
};

/**
 * web (500m) and a proxy that uses a quarter of what web does (web's share of the pod: 0.8); the
 * proxy has no CPU request unless `proxyCpu` is given.
 */
function sidecarModel(
  o: { version?: string; proxyCpu?: string; extra?: KubeObject[] } = { version: 'v1.30.2' },
) {
  const objects = [
    ...deploymentWithPods('web', 'shop', {
      replicas: 3,
      containers: [
        container({ name: 'web', cpu: '500m' }),
        container({ name: 'proxy', ...(o.proxyCpu ? { cpu: o.proxyCpu } : {}) }),
      ],
    }),
    ...(o.extra ?? []),
  ];
  const facts = {
    metricsApiAvailable: true,
    ...('version' in o ? { version: o.version } : { version: 'v1.30.2' }),
  };
  const m = modelOf(objects, END, facts as any);
  const w = windowOf(END);
  const pods = [...m.pods.values()];
  const web = daily(0.1, 0.4);
  return withUsage(m, w, [
    ...pods.map((p) =>
      series(w, { namespace: 'shop', pod: p.name, container: 'web' }, { cpu: web, mem: () => MiB }),
    ),
    ...pods.map((p) =>
      series(
        w,
        { namespace: 'shop', pod: p.name, container: 'proxy' },
        { cpu: (t) => web(t) / 4, mem: () => MiB },
      ),
    ),
  ]);
}

/**
 * Sidecar cases pin the target at 80 %: the usage fold counts each container series as a pod
 * (model/usage/fold.ts), which reads a two-container pod's burst as ×1.6; these tests check the
 * share and the request, not the burst.
 */
const ARGS80 = { ...HPA_DEFAULTS, minTargetUtilization: 80 };

/** A live HPA on web's container CPU (ContainerResource). */
function containerHpa(utilization: number, max: number): KubeObject {
  const h = hpa('web', 'shop', 'web', { min: 2, max });
  (h.spec as any).metrics = [
    {
      type: 'ContainerResource',
      containerResource: {
        name: 'cpu',
        container: 'web',
        target: { type: 'Utilization', averageUtilization: utilization },
      },
    },
  ];
  return h;
}

/** Right-sizing's result proposing one container's CPU request (millicores). */
function rightsized(name: string, current: number, proposed: number): AnalyzerResult {
  return {
    skipped: [],
    recommendations: [
      {
        id: `rightsize:Deployment/shop/web:${name}`,
        analyzer: 'rightsize',
        workload: 'Deployment/shop/web',
        subject: name,
        fields: [
          {
            object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
            path: ['spec', 'template', 'spec', 'containers', { name }, 'resources', 'requests', 'cpu'],
            current: `${current}m`,
            proposed: `${proposed}m`,
            quantity: { resource: 'cpu', role: 'request', container: name, current, proposed },
          },
        ],
        objects: [],
        evidence: { window: { start: 0, end: 1 }, samples: 1, ooms: 0, why: '' },
        risk: 'low',
      },
    ],
  };
}

const only = (r: AnalyzerResult): Recommendation => {
  expect(r.recommendations).toHaveLength(1);
  return r.recommendations[0]!;
};

describe('hpa analyzer', () => {
  it('adopts an HPA for a daily swing, with numbers that can be checked by hand', () => {
    // 3 pods × 0.4 core by day, × 0.1 at night; request 500m; bursts ×1 (flat within slots) → target 80 %
    const r = only(analyzeHpa(webModel(daily(0.1, 0.4)), HPA_DEFAULTS, ctx()));
    expect(r.details).toMatchObject({ decision: 'adopt-hpa', targetUtilization: 80, liveReplicas: 3 });
    // demand by day 1.2 / (0.5 × 0.8) = 3 replicas, at night 0.3 / 0.4 = 0.75 → floor 2;
    // ceiling ⌈3 × 1.5⌉ = 5 (not below the 3 live)
    expect(r.details).toMatchObject({ minReplicas: 2, maxReplicas: 5, peakDemand: 3 });
    const spec = r.objects[0]!.manifest.spec as Record<string, any>;
    expect(spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    expect(spec.metrics).toEqual([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    expect(spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(0);
    expect(spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
    // 1.34: no tolerance (alpha and off; the API server would drop it)
    expect(spec.behavior.scaleUp.tolerance).toBeUndefined();
    expect(getValidator(r.objects[0]!.schema)(r.objects[0]!.manifest)).toBe(true);
    const upstream = referenceValidator('autoscaling_HorizontalPodAutoscaler_v2.json');
    if (upstream) expect(upstream(r.objects[0]!.manifest)).toBe(true);
  });

  it('renders tolerance on 1.35, or where a dry-run proved the field survives, and the schemas accept it', () => {
    const on135 = only(analyzeHpa(webModel(daily(0.1, 0.4), { version: 'v1.35.0' }), HPA_DEFAULTS, ctx()));
    const b = (on135.objects[0]!.manifest.spec as any).behavior;
    expect(b.scaleUp.tolerance).toBe('0.05');
    expect(b.scaleDown.tolerance).toBe('0.1');
    const proved = only(
      analyzeHpa(webModel(daily(0.1, 0.4)), HPA_DEFAULTS, ctx({ hpaToleranceSupported: true })),
    );
    expect((proved.objects[0]!.manifest.spec as any).behavior.scaleUp.tolerance).toBe('0.05');
    expect(getValidator(on135.objects[0]!.schema)(on135.objects[0]!.manifest)).toBe(true);
    const strict132 = referenceValidator('autoscaling_HorizontalPodAutoscaler_v2.json');
    const withTolerance = referenceValidator('autoscaling_HorizontalPodAutoscaler_v2.tolerance.json');
    if (strict132 && withTolerance) {
      expect(strict132(on135.objects[0]!.manifest)).toBe(false);
      expect(withTolerance(on135.objects[0]!.manifest)).toBe(true);
    }
  });

  it('refuses hpaToleranceSupported below 1.33, where the field does not exist, and says why', () => {
    const r = only(
      analyzeHpa(
        webModel(daily(0.1, 0.4), { version: 'v1.32.7' }),
        HPA_DEFAULTS,
        ctx({ hpaToleranceSupported: true }),
      ),
    );
    const b = (r.objects[0]!.manifest.spec as any).behavior;
    expect(b.scaleUp.tolerance).toBeUndefined();
    expect(b.scaleDown.tolerance).toBeUndefined();
    expect(r.details).toMatchObject({
      tolerance: false,
      toleranceRefused: expect.stringMatching(/1\.32 has no .*tolerance.*1\.33/),
    });
    expect(r.evidence.why).toMatch(/hpaToleranceSupported is set, but Kubernetes 1\.32/);
    // 1.33 with the operator's dry-run assertion: kept
    const on133 = only(
      analyzeHpa(
        webModel(daily(0.1, 0.4), { version: 'v1.33.1' }),
        HPA_DEFAULTS,
        ctx({ hpaToleranceSupported: true }),
      ),
    );
    expect((on133.objects[0]!.manifest.spec as any).behavior.scaleDown.tolerance).toBe('0.1');
    expect(on133.details!.toleranceRefused).toBeUndefined();
  });

  it('sizes the target against the request right-sizing proposes in the same change', () => {
    const upstream: AnalyzerResult = {
      skipped: [],
      recommendations: [
        {
          id: 'rightsize:Deployment/shop/web:web',
          analyzer: 'rightsize',
          workload: 'Deployment/shop/web',
          subject: 'web',
          fields: [
            {
              object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
              path: [
                'spec',
                'template',
                'spec',
                'containers',
                { name: 'web' },
                'resources',
                'requests',
                'cpu',
              ],
              current: '500m',
              proposed: '250m',
              quantity: { resource: 'cpu', role: 'request', container: 'web', current: 500, proposed: 250 },
            },
          ],
          objects: [],
          evidence: { window: { start: 0, end: 1 }, samples: 1, ooms: 0, why: '' },
          risk: 'low',
        },
      ],
    };
    const r = only(analyzeHpa(webModel(daily(0.1, 0.4)), HPA_DEFAULTS, ctx({}, upstream)));
    // 1.2 cores / (0.25 × 0.8) = 6 at peak → ceiling 9
    expect(r.details).toMatchObject({
      podRequestCores: 0.25,
      requestFromRightsize: true,
      peakDemand: 6,
      maxReplicas: 9,
    });
  });

  it('measures the main container when a sidecar has no CPU request (ContainerResource), with hand-checked numbers', () => {
    const r = only(analyzeHpa(sidecarModel(), ARGS80, ctx()));
    const metric = (r.objects[0]!.manifest.spec as any).metrics[0];
    expect(metric).toEqual({
      type: 'ContainerResource',
      containerResource: {
        name: 'cpu',
        container: 'web',
        target: { type: 'Utilization', averageUtilization: 80 },
      },
    });
    // per pod: web 0.4 by day / 0.1 at night, proxy a quarter of that → web's share of the pod is 0.8.
    // Demand counts web only: 3 × 0.5 × 0.8 = 1.2 cores / (0.5 × 80 %) = 3 replicas by day,
    // 0.3 / 0.4 = 0.75 at night → floor 2; ceiling ⌈3 × 1.5⌉ = 5. (Whole-pod CPU over web's
    // request would read 3.75 and a ceiling of 6.)
    expect(r.details).toMatchObject({
      podRequestCores: 0.5,
      container: 'web',
      demandShare: 0.8,
      minReplicas: 2,
      maxReplicas: 5,
    });
    expect(r.details!.peakDemand as number).toBeCloseTo(3, 6);
    expect(getValidator(r.objects[0]!.schema)(r.objects[0]!.manifest)).toBe(true);
  });

  it('refuses a ContainerResource HPA below Kubernetes 1.27, or on an unknown version, with the reason', () => {
    for (const version of ['v1.26.9', undefined]) {
      const r = analyzeHpa(sidecarModel({ version }), ARGS80, ctx());
      expect(r.recommendations).toHaveLength(0);
      expect(r.skipped).toEqual([
        expect.objectContaining({
          reason: 'container-resource-unsupported',
          detail: expect.stringMatching(/container web.*≥ 1\.27/),
        }),
      ]);
    }
    expect(only(analyzeHpa(sidecarModel({ version: 'v1.27.0' }), ARGS80, ctx())).details).toMatchObject({
      container: 'web',
    });
  });

  it("tunes a ContainerResource HPA on its container's share of demand and request, by hand", () => {
    // every container has a request, but the live HPA measures web only
    const live = containerHpa(60, 4);
    const r = only(analyzeHpa(sidecarModel({ proxyCpu: '100m', extra: [live] }), ARGS80, ctx()));
    // target 60 → 65; web's demand 1.2 cores by day / (0.5 × 65 %) = 3.69 → ceiling ⌈5.54⌉ = 6
    // (whole-pod 1.5 cores would give 4.6 → 7); night 0.3 / 0.325 = 0.92 → floor stays 2
    expect(r.details).toMatchObject({
      decision: 'tune-hpa',
      podRequestCores: 0.5,
      demandShare: 0.8,
      container: 'web',
      maxReplicas: 6,
      minReplicas: 2,
    });
    expect(r.details!.peakDemand as number).toBeCloseTo(1.2 / 0.325, 2);
    const byPath = Object.fromEntries(r.fields.map((f) => [f.path.join('.'), [f.current, f.proposed]]));
    expect(byPath).toEqual({
      'spec.maxReplicas': [4, 6],
      'spec.metrics.0.containerResource.target.averageUtilization': [60, 65],
    });
  });

  it('tunes a ContainerResource HPA against the request right-sizing proposes in the same change', () => {
    const live = containerHpa(60, 4);
    const r = only(
      analyzeHpa(
        sidecarModel({ proxyCpu: '100m', extra: [live] }),
        ARGS80,
        ctx({}, rightsized('web', 500, 250)),
      ),
    );
    // web's request 500m → 250m in this PR: 1.2 / (0.25 × 65 %) = 7.38 → ceiling ⌈11.08⌉ = 12
    // (the live 500m would say 6); night 0.3 / 0.1625 = 1.85 → floor 2
    expect(r.details).toMatchObject({
      podRequestCores: 0.25,
      requestFromRightsize: true,
      maxReplicas: 12,
      minReplicas: 2,
    });
    // a proposal for another container leaves web's denominator alone
    const other = only(
      analyzeHpa(
        sidecarModel({ proxyCpu: '100m', extra: [containerHpa(60, 4)] }),
        ARGS80,
        ctx({}, rightsized('proxy', 100, 50)),
      ),
    );
    expect(other.details).toMatchObject({ podRequestCores: 0.5, maxReplicas: 6 });
  });

  it('counts an injected sidecar in the pod request, as the HPA does', () => {
    const objects = deploymentWithPods('web', 'shop', {
      replicas: 3,
      containers: [container({ name: 'web', cpu: '500m' })],
    });
    for (const o of objects.filter((x) => x.kind === 'Pod'))
      (o.spec as any).containers = [
        ...(o.spec as any).containers,
        container({ name: 'istio-proxy', cpu: '100m' }),
      ];
    const m = modelOf(objects, END, { metricsApiAvailable: true });
    const w = windowOf(END);
    withUsage(
      m,
      w,
      [...m.pods.values()].map((p) =>
        series(
          w,
          { namespace: 'shop', pod: p.name, container: 'web' },
          { cpu: daily(0.1, 0.4), mem: () => MiB },
        ),
      ),
    );
    const r = only(analyzeHpa(m, HPA_DEFAULTS, ctx()));
    expect(r.details).toMatchObject({ podRequestCores: 0.6 });
    expect((r.objects[0]!.manifest.spec as any).metrics[0].type).toBe('Resource');
  });

  it('tunes an existing HPA, changing only what must change', () => {
    const existing = hpa('web', 'shop', 'web', { min: 2, max: 4, cpuUtilization: 60 });
    const r = only(analyzeHpa(webModel(daily(0.1, 0.4), { extra: [existing] }), HPA_DEFAULTS, ctx()));
    expect(r.details).toMatchObject({
      decision: 'tune-hpa',
      idealTargetUtilization: 80,
      targetUtilization: 65,
    });
    // target 60 → 65 (+5 per run); demand at 65 %: 1.2 / 0.325 = 3.7 → ceiling ⌈5.5⌉ = 6; floor stays 2
    const byPath = Object.fromEntries(r.fields.map((f) => [f.path.join('.'), [f.current, f.proposed]]));
    expect(byPath).toEqual({
      'spec.maxReplicas': [4, 6],
      'spec.metrics.0.resource.target.averageUtilization': [60, 65],
    });
  });

  it('never lowers an existing ceiling, and says so when nothing needs changing', () => {
    const existing = hpa('web', 'shop', 'web', { min: 2, max: 40, cpuUtilization: 80 });
    const r = analyzeHpa(webModel(daily(0.1, 0.4), { extra: [existing] }), HPA_DEFAULTS, ctx());
    expect(r.recommendations).toHaveLength(0);
    expect(r.skipped[0]).toMatchObject({ reason: 'no-change' });
  });

  it('leaves alone what must not autoscale, each with its reason', () => {
    const reasons = (m: ReturnType<typeof webModel>) =>
      analyzeHpa(m, HPA_DEFAULTS, ctx()).skipped.map((s) => s.reason);
    expect(reasons(webModel(daily(0.1, 0.4), { replicas: 1 }))).toEqual(['not-eligible']);
    expect(reasons(webModel(daily(0.1, 0.4), { days: 3 }))).toEqual(['insufficient-history']);
    expect(reasons(webModel(daily(0.1, 0.4), { metricsApi: false }))).toEqual(['metrics-api-unavailable']);
    const keda = hpa('keda-hpa-web', 'shop', 'web', { cpuUtilization: 70 });
    (keda.metadata as any).ownerReferences = [
      { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', name: 'web', controller: true },
    ];
    expect(reasons(webModel(daily(0.1, 0.4), { extra: [keda] }))).toEqual(['hpa-owned']);
    // bursts of 6× within minutes: an HPA cannot follow, requests must cover them
    const m = webModel(daily(0.1, 0.4));
    for (const u of m.usage.values())
      u.demand.cpuMax.forEach((_, i, a) => (a[i] = (u.demand.cpu[i]! / 3) * 6));
    expect(reasons(m)).toEqual(['too-bursty']);
  });

  it('keeps fixed replicas for a flat load and sizes them from demand', () => {
    // 6 pods × 0.1 core steady on 500m: P95 0.6 / (0.5 × 0.7) = 1.7 → 2 replicas (the floor)
    const r = only(
      analyzeHpa(
        webModel(() => 0.1, { replicas: 6 }),
        HPA_DEFAULTS,
        ctx(),
      ),
    );
    expect(r.details).toMatchObject({ decision: 'fixed-replicas', replicas: 2, liveReplicas: 6 });
    expect(r.fields).toEqual([
      expect.objectContaining({ path: ['spec', 'replicas'], current: 6, proposed: 2 }),
    ]);
    expect(r.risk).toBe('medium');
    // within 20 %: no change
    const same = analyzeHpa(
      webModel(() => 0.25, { replicas: 3 }),
      HPA_DEFAULTS,
      ctx(),
    );
    expect(same.recommendations).toHaveLength(0);
  });
});
