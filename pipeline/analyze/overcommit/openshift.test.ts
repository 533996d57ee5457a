/* eslint-disable @typescript-eslint/no-explicit-any */
import { analyzeOvercommit } from './analyze.js';
import { OVERCOMMIT_DEFAULTS } from './args.js';
import { workloadRatios } from './compression.js';
import { container, deploymentWithPods, modelOf } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import { CRO_LABEL } from '../../model/well-known.js';
import type { KubeObject } from '../../collect/types.js';
import type { AnalyzeContext } from '../types.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const MiB = 2 ** 20;

const ns = (name: string, optIn: boolean): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name, labels: optIn ? { [CRO_LABEL]: 'true' } : {} },
});

const cro = (cpu: number, memory?: number): KubeObject => ({
  apiVersion: 'operator.autoscaling.openshift.io/v1',
  kind: 'ClusterResourceOverride',
  metadata: { name: 'cluster' },
  spec: {
    podResourceOverride: {
      spec: {
        cpuRequestToLimitPercent: cpu,
        ...(memory !== undefined ? { memoryRequestToLimitPercent: memory } : {}),
        limitCPUToMemoryPercent: 200,
      },
    },
  },
});

/** shop (opted in): web uses 30 % of its CPU limit and 40 % of memory, api 25 % and 50 %. */
function model(o: { oomLeaky?: boolean; extra?: KubeObject[]; tiers?: Record<string, string> } = {}) {
  const wl = (name: string, ns: string, cpuLimit: string, memLimit: string) =>
    deploymentWithPods(name, ns, {
      replicas: 2,
      containers: [container({ name, cpu: '100m', cpuLimit, memory: '64Mi', memoryLimit: memLimit })],
      ...(o.tiers?.[name] ? { labels: { app: name, 'example.com/tier': o.tiers[name] } } : {}),
    });
  const objects = [
    ns('shop', true),
    ns('batch', false),
    ...wl('web', 'shop', '1', '1000Mi'),
    ...wl('api', 'shop', '2', '2000Mi'),
    ...wl('leaky', 'shop', '500m', '500Mi'),
    ...wl('etl', 'batch', '4', '4000Mi'),
    ...(o.extra ?? []),
  ];
  const m = modelOf(objects, END);
  const w = windowOf(END, 14);
  const use: Record<string, [number, number]> = {
    web: [0.3, 400],
    api: [0.5, 1000],
    leaky: [0.1, 480],
    etl: [1, 1000],
  };
  const list = [...m.pods.values()].map((p) => {
    const name = p.containers[0]!.name;
    const [cpu, mem] = use[name]!;
    return series(
      w,
      { namespace: p.namespace, pod: p.name, container: name },
      { cpu: () => cpu, mem: () => mem * MiB },
    );
  });
  const leaky = [...m.pods.values()].find((p) => p.containers[0]!.name === 'leaky')!;
  const ooms = o.oomLeaky
    ? [
        {
          namespace: 'shop',
          pod: leaky.name,
          container: 'leaky',
          time: END - 86400,
          source: 'metrics' as const,
        },
      ]
    : [];
  return withUsage(m, w, list, ooms);
}

/**
 * Ten workloads in shop using 0.2 core of a 1-core limit and 200 MiB of 1000 MiB, and "tiny" with a
 * 50m / 100Mi limit using 5m / 10 MiB. A steady series' percentiles are its value (its VPA bucket
 * ends higher, at 0.2158 core, but no percentile passes the highest value seen): 20 % and 20 %.
 * P90 across the eleven (simple-statistics: the 10th of 11 sorted, linear interpolation landing
 * exactly on it) is then 20 % and 20 %, but 20 % of tiny's 50m is 10m, under right-sizing's 25m
 * floor (50 % of 50m), and 20 % of its 100 MiB is 20 MiB, under the 64 MiB floor (64 %).
 */
function floorModel() {
  const objects: KubeObject[] = [ns('shop', true), cro(40, 80)];
  const use: Record<string, [number, number]> = { tiny: [0.005, 10] };
  for (let i = 0; i < 10; i++) {
    objects.push(
      ...deploymentWithPods(`w${i}`, 'shop', {
        replicas: 1,
        containers: [
          container({ name: `w${i}`, cpu: '100m', cpuLimit: '1', memory: '64Mi', memoryLimit: '1000Mi' }),
        ],
      }),
    );
    use[`w${i}`] = [0.2, 200];
  }
  objects.push(
    ...deploymentWithPods('tiny', 'shop', {
      replicas: 1,
      containers: [
        container({ name: 'tiny', cpu: '5m', cpuLimit: '50m', memory: '16Mi', memoryLimit: '100Mi' }),
      ],
    }),
  );
  const m = modelOf(objects, END);
  const w = windowOf(END, 14);
  return withUsage(
    m,
    w,
    [...m.pods.values()].map((p) => {
      const name = p.containers[0]!.name;
      const [cpu, mem] = use[name]!;
      return series(
        w,
        { namespace: p.namespace, pod: p.name, container: name },
        { cpu: () => cpu, mem: () => mem * MiB },
      );
    }),
  );
}

const ctx = (overrides?: AnalyzeContext['overrides']): AnalyzeContext => ({
  now: END,
  cluster: 'test',
  clusterSettings: { overcommit: { form: 'openshift' } },
  ...(overrides ? { overrides } : {}),
});

describe('overcommit analyzer (OpenShift ClusterResourceOverride)', () => {
  it('sets request/limit percentages from the opted-in workloads, never below right-sizing floors', () => {
    const r = analyzeOvercommit(model({ extra: [cro(50, 80)] }), OVERCOMMIT_DEFAULTS, ctx());
    const rec = r.recommendations.find((x) => x.workload === 'ClusterResourceOverride//cluster')!;
    const byKey = Object.fromEntries(rec.fields.map((f) => [f.path.at(-1), f]));
    // CPU: web 0.3, api 0.25, leaky 0.2 of their limits; P90 across the tier ≈ 0.29–0.31
    expect(byKey.cpuRequestToLimitPercent!.current).toBe(50);
    expect(byKey.cpuRequestToLimitPercent!.proposed).toBeGreaterThanOrEqual(29);
    expect(byKey.cpuRequestToLimitPercent!.proposed).toBeLessThanOrEqual(32);
    // memory: leaky runs at 96 % of its limit, so the tier's P90 is high (most generous wins)
    expect(byKey.memoryRequestToLimitPercent!.proposed).toBeGreaterThan(80);
    // etl in batch (not opted in) is not counted; the cluster-wide knob it never sees
    expect(rec.details!.optedInNamespaces as string[]).toEqual(['shop']);
  });

  it("never compresses below right-sizing's floor (25m CPU, 64 MiB per pod)", () => {
    const m = model();
    // an idle workload: its ratio is the floor over its limit, not zero
    for (const u of m.usage.values())
      for (const c of u.containers.values()) c.cpuTime = { percentile: () => 0 } as any;
    const web = m.workloads.get('Deployment/shop/web')!;
    const floors = { podMinCpuMillis: 25, podMinMemoryBytes: 64 * MiB };
    expect(workloadRatios(m, web, 0.95, floors).cpu).toBeCloseTo(25 / 1000, 9);
  });

  it('leaves OOM-killed workloads out and never lowers memory while one applies', () => {
    const r = analyzeOvercommit(model({ oomLeaky: true, extra: [cro(50, 90)] }), OVERCOMMIT_DEFAULTS, ctx());
    const rec = r.recommendations.find((x) => x.workload === 'ClusterResourceOverride//cluster')!;
    expect(rec.fields.map((f) => f.path.at(-1))).toEqual(['cpuRequestToLimitPercent']);
    expect(rec.evidence.why).toMatch(/Not compressed: Deployment\/shop\/leaky \(OOM-killed in the window\)/);
    expect((rec.details!.tiers as any[])[0].excludedOom).toEqual(['Deployment/shop/leaky']);
    // without leaky, memory would go to P90 of web's 40 % and api's 50 %, 40 + 0.9 × 10 = 49: kept at 90
    expect(r.skipped).toContainEqual(
      expect.objectContaining({
        reason: 'oom-in-window',
        detail: expect.stringMatching(/kept at 90%, not 49%: Deployment\/shop\/leaky .* namespace\(s\) shop/),
      }),
    );
  });

  it('never starts compressing memory where an opted-in namespace holds an OOM-killed workload', () => {
    // memoryRequestToLimitPercent unset: memory requests are as declared; setting it would compress
    const r = analyzeOvercommit(model({ oomLeaky: true, extra: [cro(50)] }), OVERCOMMIT_DEFAULTS, ctx());
    const rec = r.recommendations.find((x) => x.workload === 'ClusterResourceOverride//cluster')!;
    expect(rec.fields.map((f) => f.path.at(-1))).toEqual(['cpuRequestToLimitPercent']);
    expect(rec.details!.memory).toBe('left unset (OOM kills in the window)');
    expect(r.skipped).toContainEqual(
      expect.objectContaining({
        reason: 'oom-in-window',
        detail: expect.stringMatching(/^memoryRequestToLimitPercent left unset, not 49%/),
      }),
    );
    // the same cluster without the OOM kill does set it
    const calm = analyzeOvercommit(model({ extra: [cro(50)] }), OVERCOMMIT_DEFAULTS, ctx());
    const set = calm.recommendations[0]!.fields.find((f) => f.path.at(-1) === 'memoryRequestToLimitPercent');
    // P90 (linear, numpy's default) of web 40, api 50, leaky 96: 50 + 0.8 × 46 = 86.8 → 87
    expect(set).toMatchObject({ current: undefined, proposed: 87 });
  });

  it('may raise memory while an OOM-killed workload is there, never lower it', () => {
    const r = analyzeOvercommit(model({ oomLeaky: true, extra: [cro(50, 30)] }), OVERCOMMIT_DEFAULTS, ctx());
    const rec = r.recommendations[0]!;
    expect(rec.fields.find((f) => f.path.at(-1) === 'memoryRequestToLimitPercent')).toMatchObject({
      current: 30,
      proposed: 49,
    });
    expect(r.skipped.filter((s) => s.reason === 'oom-in-window')).toEqual([]);
  });

  it("keeps every covered workload's request at or above right-sizing's floor, cluster-wide", () => {
    const m = floorModel();
    const rec = analyzeOvercommit(m, OVERCOMMIT_DEFAULTS, ctx()).recommendations[0]!;
    const tier = (rec.details!.tiers as any[])[0];
    expect(tier).toMatchObject({
      tier: 'Burstable',
      workloads: 11,
      cpuUsagePercent: 20,
      cpuFloorPercent: 50,
      cpuPercent: 50,
      memoryUsagePercent: 20,
      memoryFloorPercent: 64,
      memoryPercent: 64,
    });
    const byKey = Object.fromEntries(rec.fields.map((f) => [f.path.at(-1), f.proposed as number]));
    expect(byKey).toEqual({ cpuRequestToLimitPercent: 50, memoryRequestToLimitPercent: 64 });
    // what the override would give each container, against right-sizing's per-container floor
    for (const w of m.workloads.values())
      for (const c of w.template.containers) {
        expect((byKey.cpuRequestToLimitPercent! / 100) * c.limits.cpu!).toBeGreaterThanOrEqual(25 - 1e-9);
        expect((byKey.memoryRequestToLimitPercent! / 100) * c.limits.memory!).toBeGreaterThanOrEqual(
          64 * MiB,
        );
      }
  });

  it('takes the floors from its args and from a per-workload rightsize policy', () => {
    const args = { ...OVERCOMMIT_DEFAULTS, podMinCpuMillis: 10, podMinMemoryBytes: 16 * MiB };
    const lower = analyzeOvercommit(floorModel(), args, ctx()).recommendations[0]!;
    // 10m of 50m = 20 %, 16 MiB of 100 MiB = 16 %: the floors no longer bind, P90 of use does
    expect(Object.fromEntries(lower.fields.map((f) => [f.path.at(-1), f.proposed]))).toEqual({
      cpuRequestToLimitPercent: 20,
      memoryRequestToLimitPercent: 20,
    });
    const policy = analyzeOvercommit(
      floorModel(),
      args,
      ctx((w, a) => (a === 'rightsize' && w === 'Deployment/shop/tiny' ? { podMinCpuMillis: 40 } : {})),
    ).recommendations[0]!;
    expect(policy.fields.find((f) => f.path.at(-1) === 'cpuRequestToLimitPercent')!.proposed).toBe(80);
    // a namespace's overcommit policy may set the floor too (30m of 50m → 60 %); rightsize's wins
    const own = analyzeOvercommit(
      floorModel(),
      args,
      ctx((w, a) => (a === 'overcommit' && w.startsWith('Deployment/shop/') ? { podMinCpuMillis: 30 } : {})),
    ).recommendations[0]!;
    expect(own.fields.find((f) => f.path.at(-1) === 'cpuRequestToLimitPercent')!.proposed).toBe(60);
    // right-sizing configured with a higher floor for the whole cluster (40m of 50m → 80 %) binds too
    const configured = analyzeOvercommit(floorModel(), args, {
      ...ctx(),
      argsOf: (id) => (id === 'rightsize' ? { podMinCpuMillis: 40, podMinMemoryBytes: 16 * MiB } : undefined),
    }).recommendations[0]!;
    expect(configured.fields.find((f) => f.path.at(-1) === 'cpuRequestToLimitPercent')!.proposed).toBe(80);
  });

  it('groups compression tiers by a workload label when tierLabel is set, else by QoS class', () => {
    const m = model({ extra: [cro(50, 80)], tiers: { web: 'gold', api: 'gold' } });
    const byQos = analyzeOvercommit(m, OVERCOMMIT_DEFAULTS, ctx()).recommendations[0]!;
    expect((byQos.details!.tiers as any[]).map((t) => t.tier)).toEqual(['Burstable']);
    const byLabel = analyzeOvercommit(m, { ...OVERCOMMIT_DEFAULTS, tierLabel: 'example.com/tier' }, ctx())
      .recommendations[0]!;
    const tiers = byLabel.details!.tiers as any[];
    // leaky has no label: its QoS class (0.1 of 0.5 core, 480 of 500 MiB); web (0.3 of 1 core, 400
    // of 1000 MiB) and api (0.5 of 2, 1000 of 2000) share "gold": P90 of two is 90 % of the way to
    // the larger: CPU 25 + 0.9 × 5 = 29.5 → 30, memory 40 + 0.9 × 10 = 49. Each usage is exact (a
    // steady series' percentiles are its one value, never the end of its VPA bucket above it).
    expect(tiers.map((t) => [t.tier, t.workloads, t.cpuUsagePercent, t.memoryUsagePercent])).toEqual([
      ['Burstable', 1, 20, 96],
      ['example.com/tier=gold', 2, 30, 49],
    ]);
    expect(byLabel.details!.tierLabel).toBe('example.com/tier');
  });

  it('adds a namespace opt-in label only where a per-namespace policy asks, never wholesale', () => {
    const none = analyzeOvercommit(model({ extra: [cro(50, 80)] }), OVERCOMMIT_DEFAULTS, ctx());
    expect(none.recommendations.filter((x) => x.workload.startsWith('Namespace/'))).toEqual([]);
    const asked = analyzeOvercommit(
      model({ extra: [cro(50, 80)] }),
      OVERCOMMIT_DEFAULTS,
      ctx((w, a) => (a === 'overcommit' && w.startsWith('Deployment/batch/') ? { croOptIn: true } : {})),
    );
    const label = asked.recommendations.find((x) => x.workload === 'Namespace//batch')!;
    expect(label.fields).toEqual([
      expect.objectContaining({
        path: ['metadata', 'labels', CRO_LABEL],
        current: undefined,
        proposed: 'true',
      }),
    ]);
    expect(label.risk).toBe('high');
  });

  it('says so when the operator is not installed', () => {
    const r = analyzeOvercommit(model(), OVERCOMMIT_DEFAULTS, ctx());
    expect(r.skipped[0]).toMatchObject({ reason: 'not-in-cluster' });
  });
});
