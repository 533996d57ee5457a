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

const cro = (cpu: number, memory: number): KubeObject => ({
  apiVersion: 'operator.autoscaling.openshift.io/v1',
  kind: 'ClusterResourceOverride',
  metadata: { name: 'cluster' },
  spec: {
    podResourceOverride: {
      spec: {
        cpuRequestToLimitPercent: cpu,
        memoryRequestToLimitPercent: memory,
        limitCPUToMemoryPercent: 200,
      },
    },
  },
});

/** shop (opted in): web uses 30 % of its CPU limit and 40 % of memory, api 25 % and 50 %. */
function model(o: { oomLeaky?: boolean; extra?: KubeObject[] } = {}) {
  const wl = (name: string, ns: string, cpuLimit: string, memLimit: string) =>
    deploymentWithPods(name, ns, {
      replicas: 2,
      containers: [container({ name, cpu: '100m', cpuLimit, memory: '64Mi', memoryLimit: memLimit })],
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
    expect(workloadRatios(m, web, 0.95).cpu).toBeCloseTo(25 / 1000, 9);
  });

  it('leaves OOM-killed workloads out and never lowers memory while one applies', () => {
    const r = analyzeOvercommit(model({ oomLeaky: true, extra: [cro(50, 90)] }), OVERCOMMIT_DEFAULTS, ctx());
    const rec = r.recommendations.find((x) => x.workload === 'ClusterResourceOverride//cluster')!;
    expect(rec.fields.map((f) => f.path.at(-1))).toEqual(['cpuRequestToLimitPercent']);
    expect(rec.evidence.why).toMatch(/Not compressed: Deployment\/shop\/leaky \(OOM-killed in the window\)/);
    expect((rec.details!.tiers as any[])[0].excludedOom).toEqual(['Deployment/shop/leaky']);
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
