/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeOvercommit } from './analyze.js';
import { OVERCOMMIT_DEFAULTS, type OvercommitArgs } from './args.js';
import { container, deployment, replicaSet, pod, modelOf } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import { referenceValidator } from '../../testing/reference-schemas.js';
import { getValidator, packageRoot } from '../../core/json-schema.js';
import type { KubeObject } from '../../collect/types.js';
import type { NodeUsageSeries } from '../../collect/node-usage/types.js';
import type { AnalyzeContext } from '../types.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const GiB = 2 ** 30;
const GOLDEN = join(packageRoot(), 'fixtures', 'overcommit');

function node(name: string, pool: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'node-pool': pool } },
    spec: {},
    status: {
      capacity: { cpu: '16', memory: '64Gi', pods: '110' },
      allocatable: { cpu: '15500m', memory: '62Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

const sloConfig = (amplification: object, colocation: object = { enable: true }): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'slo-controller-config', namespace: 'koordinator-system' },
    data: {
      'colocation-config': JSON.stringify(colocation),
      'resource-amplification-config': JSON.stringify(amplification),
    },
  }) as KubeObject;

/**
 * Pool "big": 2 nodes of 16 cores / 64 GiB (15.5 / 62 allocatable). A 4-replica web, 2 pods per
 * node, each requesting 2.5 cores and 12.5 GiB (or `reqMem`) and using `cpu` cores and `memGiB`
 * steadily.
 */
function model(o: {
  cpu: number;
  memGiB: number;
  reqMem?: string;
  extra?: KubeObject[];
  /** A koord-mid `etl` pod per node: requests 1 core / 4 GiB, uses `cpu` cores and `memGiB`. */
  mid?: { cpu: number; memGiB: number; labels?: Record<string, string>; priorityClassName?: string };
  tierLabel?: string;
  /** Node exporters' series (the node's own view). */
  nodeSeries?: NodeUsageSeries[];
}) {
  const web = () => container({ name: 'web', cpu: '2500m', memory: o.reqMem ?? '12800Mi' });
  const d = deployment('web', 'shop', { replicas: 4, containers: [web()] });
  const rs = replicaSet(d);
  const pods = [0, 1, 2, 3].map((i) =>
    pod(
      `web-7d9f8c6b5-p${i}`,
      'shop',
      { kind: 'ReplicaSet', name: rs.metadata.name },
      {
        node: i < 2 ? 'big-1' : 'big-2',
        containers: [web()],
      },
    ),
  );
  const mid: KubeObject[] = [];
  if (o.mid) {
    const etl = () => container({ name: 'etl', cpu: '1', memory: '4Gi' });
    const md = deployment('etl', 'analytics', { replicas: 2, containers: [etl()] });
    const mrs = replicaSet(md);
    mid.push(md, mrs);
    for (const i of [0, 1]) {
      const p = pod(
        `etl-7d9f8c6b5-m${i}`,
        'analytics',
        { kind: 'ReplicaSet', name: mrs.metadata.name },
        { node: i ? 'big-2' : 'big-1', containers: [etl()], labels: o.mid.labels ?? {} },
      );
      if (o.mid.priorityClassName !== '')
        (p.spec as any).priorityClassName = o.mid.priorityClassName ?? 'koord-mid';
      mid.push(p);
    }
  }
  const m = modelOf(
    [node('big-1', 'big'), node('big-2', 'big'), d, rs, ...pods, ...mid, ...(o.extra ?? [])],
    END,
  );
  const w = windowOf(END, 14);
  const midSeries = o.mid
    ? [0, 1].map((i) =>
        series(
          w,
          { namespace: 'analytics', pod: `etl-7d9f8c6b5-m${i}`, container: 'etl' },
          { cpu: () => o.mid!.cpu, mem: () => o.mid!.memGiB * GiB },
        ),
      )
    : [];
  return withUsage(
    m,
    w,
    [
      ...pods.map((p) =>
        series(
          w,
          { namespace: 'shop', pod: p.metadata.name, container: 'web' },
          { cpu: () => o.cpu, mem: () => o.memGiB * GiB },
        ),
      ),
      ...midSeries,
    ],
    [],
    { ...(o.tierLabel ? { tierLabel: o.tierLabel } : {}), ...(o.nodeSeries ? { series: o.nodeSeries } : {}) },
  );
}

const ctx = (overcommit: object): AnalyzeContext => ({
  now: END,
  cluster: 'test',
  clusterSettings: { overcommit },
});
const KOORD = { form: 'koordinator' };
const ratios = (r: any) =>
  JSON.parse(
    JSON.stringify(r.fields.find((f: any) => f.path[1] === 'resource-amplification-config').proposed),
  );

describe('overcommit analyzer (Koordinator)', () => {
  it('splits a steady pool between the ratio and reclaim, and memory stays conservative', () => {
    const live = sloConfig({
      enable: true,
      nodeConfigs: [
        {
          name: 'big',
          nodeSelector: { matchLabels: { 'node-pool': 'big' } },
          resourceAmplificationRatio: { cpu: 1.0, memory: 1.0 },
        },
      ],
    });
    const r = analyzeOvercommit(
      model({ cpu: 1.5, memGiB: 7.5, extra: [live] }),
      OVERCOMMIT_DEFAULTS,
      ctx(KOORD),
    ).recommendations[0]!;
    const pool = (r.details!.pools as any[])[0];
    // CPU per node: the high tier holds 2 × 1.5 + 0.5 reserved = 3.5 cores; usable 16 × 0.65 − 1.6
    // margin = 8.8; headroom 5.3 a node, 10.6 the pool. The ratio may take half: 5.3 / 31 → raw
    // 1.171, one step from ×1.0: ×1.1, lending 0.1 × 31 = 3.1; reclaim keeps 7.5 (23.4 % → 23 %).
    expect(pool.cpu).toMatchObject({ capacity: 32000, reserved: 1000, held: 7000, headroom: 10600 });
    expect(pool.cpu.rawRatio).toBeCloseTo(1.171, 3);
    expect(pool.cpu).toMatchObject({
      current: 1,
      ratio: 1.1,
      change: 'step',
      amplified: 3100,
      reclaim: 7500,
    });
    expect(pool.cpu).toMatchObject({ midPercent: 23, batchPercent: 23, reclaimPercent: 55 });
    // memory per node: max(7.5 used, 12.5 requested) × 2 + 2 reserved = 27 GiB; usable 44.8 − 6.4 =
    // 38.4; headroom 11.4 a node, 22.8 the pool; half → raw 1 + 11.4 / 124 = 1.092 → ×1.09,
    // lending 11.16 GiB; reclaim 11.64 (9.1 % → 9 %)
    expect(pool.memory.held).toBeCloseTo(54 * GiB, -6);
    expect(pool.memory.headroom).toBeCloseTo(22.8 * GiB, -6);
    expect(pool.memory).toMatchObject({ ratio: 1.09, change: 'raised', midPercent: 9, batchPercent: 9 });
    expect(pool.memory.amplified).toBeCloseTo(11.16 * GiB, -6);
    // the two levers together never more than the headroom
    for (const x of [pool.cpu, pool.memory])
      expect(x.amplified + (x.capacity * x.midPercent) / 100).toBeLessThanOrEqual(x.headroom);
    // when load rises: nothing is lent once the high tier holds the usable 17.6 cores, and ×1.1 is
    // lowered once it holds more than 17.6 − 3.1 / 0.5 = 11.4 (what the PR body shows)
    expect(pool.cpu).toMatchObject({ fallsBackAt: 17600, lowersAbove: 11400, maxRatio: 2, threshold: 0.65 });
    expect(pool.memory.fallsBackAt).toBeCloseTo(76.8 * GiB, -3);
    expect(pool.memory.lowersAbove).toBeCloseTo((76.8 - 22.32) * GiB, -3);
    expect(r.details).toMatchObject({
      margin: 0.1,
      raiseStep: 0.1,
      percentile: 0.95,
      amplificationShare: 0.5,
    });
    const amp = ratios(r);
    expect(amp.nodeConfigs).toEqual([
      {
        name: 'big',
        nodeSelector: { matchLabels: { 'node-pool': 'big' } },
        resourceAmplificationRatio: { cpu: 1.1, memory: 1.09 },
      },
    ]);
    const colocation = r.fields.find((f) => f.path[1] === 'colocation-config')!.proposed as any;
    expect(colocation.nodeConfigs[0]).toEqual({
      name: 'big',
      nodeSelector: { matchLabels: { 'node-pool': 'big' } },
      cpuReclaimThresholdPercent: 55,
      memoryReclaimThresholdPercent: 60,
      midCPUThresholdPercent: 23,
      midMemoryThresholdPercent: 9,
      batchCPUThresholdPercent: 23,
      batchMemoryThresholdPercent: 9,
    });
    for (const f of r.fields) expect(getValidator(f.schema!)(f.proposed)).toBe(true);
    const upstream = referenceValidator('koordinator_colocation-config_derived.json');
    if (upstream) expect(upstream(colocation)).toBe(true);
    golden('slo-controller-config.json', { colocation, amplification: amp });
  });

  it('renders the mid tier: what it may take, and batch leaves what it uses', () => {
    const live = sloConfig({ enable: true });
    const run = (mid: Parameters<typeof model>[0]['mid'], tierLabel?: string) =>
      analyzeOvercommit(
        model({ cpu: 1.5, memGiB: 7.5, extra: [live], mid, ...(tierLabel ? { tierLabel } : {}) }),
        tierLabel ? { ...OVERCOMMIT_DEFAULTS, tierLabel } : OVERCOMMIT_DEFAULTS,
        ctx(KOORD),
      ).recommendations[0]!;
    const r = run({ cpu: 2, memGiB: 3 });
    const pool = (r.details!.pools as any[])[0];
    // one koord-mid pod a node using 2 cores: held stays 3.5 a node (headroom 10.6 as without it);
    // held + mid = 5.5 → batch headroom 3.3 a node, 6.6 the pool. The ratio still lends 3.1, so the
    // mid tier may take 7.5 (23 %) and batch 6.6 − 3.1 = 3.5 (10.9 % → 10 %).
    expect(pool.cpu).toMatchObject({ headroom: 10600, batchHeadroom: 6600, midUse: 4000, midPercent: 23 });
    expect(pool.cpu).toMatchObject({ batchMay: 3500, batchPercent: 10 });
    expect(pool.cpu.requests).toEqual({ high: 10000, mid: 2000, batch: 0 });
    // memory: mid holds max(3 used, 4 requested) = 4 GiB a node → batch headroom 38.4 − 31 = 7.4 a
    // node, 14.8 the pool; less the ratio's 11.16 → 3.64 GiB (2.8 % → 2 %)
    expect(pool.memory.batchHeadroom).toBeCloseTo(14.8 * GiB, -6);
    expect(pool.memory).toMatchObject({ midPercent: 9, batchPercent: 2 });
    const colocation = r.fields.find((f) => f.path[1] === 'colocation-config')!.proposed as any;
    expect(colocation.nodeConfigs[0]).toMatchObject({
      midCPUThresholdPercent: 23,
      midMemoryThresholdPercent: 9,
      batchCPUThresholdPercent: 10,
      batchMemoryThresholdPercent: 2,
    });
    for (const f of r.fields) expect(getValidator(f.schema!)(f.proposed)).toBe(true);
    const upstream = referenceValidator('koordinator_colocation-config_derived.json');
    if (upstream) expect(upstream(colocation)).toBe(true);
    golden('slo-controller-config.mid.json', { colocation, amplification: ratios(r) });
    // the same pods marked by a tier label instead of a priority class; a value the label does not
    // name (here none) would fall through to Koordinator's rules and count them as prod
    const byLabel = run(
      { cpu: 2, memGiB: 3, labels: { 'example.com/tier': 'mid' }, priorityClassName: '' },
      'example.com/tier',
    );
    expect((byLabel.details!.pools as any[])[0].cpu).toMatchObject({ batchHeadroom: 6600, batchPercent: 10 });
    const unlabelled = run({ cpu: 2, memGiB: 3, priorityClassName: '' });
    // as prod: held 5.5 a node → headroom 3.3 a node, 6.6 the pool
    expect((unlabelled.details!.pools as any[])[0].cpu).toMatchObject({ headroom: 6600, midUse: 0 });
  });

  it('lowers at once when load rises, and to 1.0 when the peak leaves no room', () => {
    const at = (cpu: number) =>
      sloConfig({
        enable: true,
        nodeConfigs: [
          {
            name: 'big',
            nodeSelector: { matchLabels: { 'node-pool': 'big' } },
            resourceAmplificationRatio: { cpu, memory: 1.1 },
          },
        ],
      });
    // usage 3.5 cores per pod: held 7.5 a node, headroom 1.3 a node → half of 2.6 over 31 → ×1.04
    const rising = analyzeOvercommit(
      model({ cpu: 3.5, memGiB: 7.5, extra: [at(1.8)] }),
      OVERCOMMIT_DEFAULTS,
      ctx(KOORD),
    ).recommendations[0]!;
    const p = (rising.details!.pools as any[])[0];
    expect(p.cpu).toMatchObject({ change: 'lowered', ratio: 1.04, headroom: 2600 });
    // usage 4.5 cores per pod: held 9.5 a node over the usable 8.8 → nothing to lend
    const full = analyzeOvercommit(
      model({ cpu: 4.5, memGiB: 7.5, extra: [at(1.5)] }),
      OVERCOMMIT_DEFAULTS,
      ctx(KOORD),
    ).recommendations[0]!;
    expect((full.details!.pools as any[])[0].cpu).toMatchObject({
      headroom: 0,
      ratio: 1,
      change: 'lowered',
      midPercent: 0,
      batchPercent: 0,
    });
  });

  it('climbs one step per run to the ceiling as its own output comes back, and drops memory at once', () => {
    // The ratio may take all of the headroom here (amplificationShare 1). Requests of 4 GiB, use
    // 3 GiB: a node holds 8 + 2 reserved → 38.4 − 10 = 28.4 a node, 56.8 → raw 1.458, over its 1.2
    // ceiling. CPU at 0.5 core per pod with threshold 0.8 and ceiling 1.5 (from config): 12.8 − 1.6
    // − 1.5 = 9.7 a node, 19.4 → raw 1.626, over 1.5.
    const args = {
      ...OVERCOMMIT_DEFAULTS,
      amplificationShare: 1,
      cpu: { threshold: 0.8, maxRatio: 1.5 },
    } as unknown as OvercommitArgs;
    let live = sloConfig({ enable: true });
    const seen: [number, number, string, string][] = [];
    for (let run = 0; run < 8; run++) {
      const r = analyzeOvercommit(
        model({ cpu: 0.5, memGiB: 3, reqMem: '4Gi', extra: [live] }),
        args,
        ctx(KOORD),
      );
      if (!r.recommendations.length) {
        expect(r.skipped).toEqual([expect.objectContaining({ reason: 'no-change' })]);
        break;
      }
      const rec = r.recommendations[0]!;
      const p = (rec.details!.pools as any[])[0];
      expect(p.cpu.rawRatio).toBeCloseTo(1 + 19.4 / 31, 3);
      expect(p.memory.rawRatio).toBeCloseTo(1 + 56.8 / 124, 3);
      // reclaim keeps what the ratio has not taken yet: at ×1.5, 19.4 − 15.5 = 3.9 cores (12 %)
      expect(p.cpu.amplified + (32000 * p.cpu.midPercent) / 100).toBeLessThanOrEqual(p.cpu.headroom);
      seen.push([p.cpu.ratio, p.memory.ratio, p.cpu.change, p.memory.change]);
      // feed the proposal back as the next run's live ConfigMap (what Koordinator would then run)
      const data: Record<string, string> = Object.fromEntries(
        rec.fields.map((f) => [f.path[1], JSON.stringify(f.proposed)]),
      );
      const before = live.data as Record<string, string>;
      live = sloConfig(
        JSON.parse(data['resource-amplification-config'] ?? before['resource-amplification-config']!),
        JSON.parse(data['colocation-config'] ?? before['colocation-config']!),
      );
    }
    expect(seen).toEqual([
      [1.1, 1.1, 'step', 'step'],
      [1.2, 1.2, 'step', 'capped'],
      [1.3, 1.2, 'step', 'unchanged'],
      [1.4, 1.2, 'step', 'unchanged'],
      [1.5, 1.2, 'capped', 'unchanged'],
    ]);
    // never more than one step per run, never above the ceilings
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]![0] - seen[i - 1]![0]).toBeLessThanOrEqual(0.1 + 1e-9);
      expect(seen[i]![1]).toBeLessThanOrEqual(1.2);
    }
    // memory use rises to 14 GiB a pod: 38.4 − 28 − 2 = 8.4 a node, 16.8 → 1.135 → 1.13 in one run
    const rising = analyzeOvercommit(
      model({ cpu: 0.5, memGiB: 14, reqMem: '4Gi', extra: [live] }),
      args,
      ctx(KOORD),
    ).recommendations[0]!;
    expect((rising.details!.pools as any[])[0].memory).toMatchObject({
      current: 1.2,
      ratio: 1.13,
      change: 'lowered',
    });
    expect((rising.details!.pools as any[])[0].cpu).toMatchObject({ current: 1.5, ratio: 1.5 });
  });

  it('takes its ceilings and margin from the config (analyzers.overcommit), merged over the defaults', () => {
    const live = sloConfig({ enable: true });
    const run = (args: object) =>
      (
        analyzeOvercommit(
          model({ cpu: 1.5, memGiB: 7.5, extra: [live] }),
          { ...OVERCOMMIT_DEFAULTS, ...args } as OvercommitArgs,
          ctx(KOORD),
        ).recommendations[0]!.details!.pools as any[]
      )[0];
    const base = run({});
    // a lower CPU ceiling caps the first step; threshold and policy keep their defaults
    const capped = run({ cpu: { maxRatio: 1.05 } });
    expect(capped.cpu).toMatchObject({ ratio: 1.05, change: 'capped', maxRatio: 1.05, threshold: 0.65 });
    expect(capped.cpu.held).toBe(base.cpu.held);
    // a 20 % margin: 10.4 − 3.2 − 3.5 = 3.7 cores a node, 7.4 the pool (3.2 fewer than at 10 %)
    const wide = run({ margin: 0.2 });
    expect(wide.cpu.margin).toBeCloseTo(6400, 6);
    expect(base.cpu.headroom - wide.cpu.headroom).toBeCloseTo(3200, 6);
    // memory: 44.8 − 12.8 − 27 = 5 GiB a node, 10 the pool; half of it over 124
    expect(wide.memory.rawRatio).toBeCloseTo(1 + (0.5 * 10) / 124, 3);
  });

  it("lets a cluster's settings.overcommit override the config's arguments for that cluster", () => {
    const live = sloConfig({ enable: true });
    const pools = (settings: object) =>
      (
        analyzeOvercommit(
          model({ cpu: 1.5, memGiB: 7.5, extra: [live] }),
          { ...OVERCOMMIT_DEFAULTS, cpu: { maxRatio: 1.8 }, raiseStep: 0.2 } as unknown as OvercommitArgs,
          ctx({ form: 'koordinator', ...settings }),
        ).recommendations[0]!.details!.pools as any[]
      )[0];
    // the config's raise step (0.2) and ceiling (1.8): 1.0 → 1.17, raw 1.171 within the step
    expect(pools({}).cpu).toMatchObject({ ratio: 1.17, change: 'raised', maxRatio: 1.8 });
    // this cluster's share: the ratio may take all of it → raw 1.342, a 0.2 step from ×1.0
    expect(pools({ amplificationShare: 1 }).cpu).toMatchObject({ ratio: 1.2, change: 'step' });
    // this cluster: ceiling 1.05, config's threshold default kept
    expect(pools({ cpu: { maxRatio: 1.05 } }).cpu).toMatchObject({
      ratio: 1.05,
      change: 'capped',
      threshold: 0.65,
    });
  });

  it('clamps the reclaim threshold at 0 when the margin is at or above it, and says why', () => {
    const live = sloConfig({ enable: true, resourceAmplificationRatio: { cpu: 1.3, memory: 1.1 } });
    const r = analyzeOvercommit(
      model({ cpu: 1.5, memGiB: 7.5, extra: [live] }),
      { ...OVERCOMMIT_DEFAULTS, margin: 0.68 },
      ctx(KOORD),
    );
    const rec = r.recommendations[0]!;
    const colocation = rec.fields.find((f) => f.path[1] === 'colocation-config')!.proposed as any;
    // CPU: 0.65 − 0.68 < 0 → 0, not −3; memory: 0.70 − 0.68 → 2
    expect(colocation.nodeConfigs[0]).toMatchObject({
      cpuReclaimThresholdPercent: 0,
      memoryReclaimThresholdPercent: 2,
    });
    for (const f of rec.fields) expect(getValidator(f.schema!)(f.proposed)).toBe(true);
    expect(r.skipped).toEqual([
      expect.objectContaining({
        reason: 'margin-exceeds-threshold',
        detail: expect.stringMatching(/^cpu: margin 0.68 ≥ threshold 0.65\b.*clamped to 0 \(not -3\)/),
      }),
    ]);
    expect((rec.details!.pools as any[])[0].cpu).toMatchObject({ headroom: 0, ratio: 1, change: 'lowered' });
  });

  it('forecasts hotspots from the node view and proposes, in the cluster timezone, what to do ahead of them', () => {
    const live = sloConfig({ enable: true });
    // big-1's node-exporter: 14 of 16 cores (87.5 %) at 09:00–11:00 UTC every day, 4 otherwise.
    const w = windowOf(END, 14);
    const slots = (w.end - w.start) / w.step;
    const cpu = new Float32Array(slots);
    for (let i = 0; i < slots; i++) {
      const h = Math.floor(((w.start + i * w.step) % 86400) / 3600);
      cpu[i] = h === 9 || h === 10 ? 14 : 4;
    }
    const exporter: NodeUsageSeries = {
      node: 'big-1',
      kind: 'node-exporter',
      cpu,
      memory: new Float32Array(slots).fill(20 * GiB),
    };
    const m = model({ cpu: 1.5, memGiB: 7.5, extra: [live], nodeSeries: [exporter] });
    const run = (settings: object) =>
      analyzeOvercommit(m, OVERCOMMIT_DEFAULTS, {
        ...ctx(KOORD),
        clusterSettings: { overcommit: KOORD, ...settings },
      }).recommendations[0]!;
    const r = run({});
    const [h] = r.details!.hotspots as any[];
    expect(h).toMatchObject({
      pool: 'big',
      quiet: { 'never hot': 1 },
      reclaim: { resource: 'cpu', percent: 55, lowered: 35 },
    });
    expect(h.hot.map((n: any) => [n.node, n.windows])).toEqual([
      ['big-1', ['08:30 (hot from 09:00) to 11:00, every day (UTC)']],
    ]);
    expect(r.evidence.why).toContain(
      'Hotspots ahead: big (1 node(s), reclaim 55% → 35% ahead of the windows).',
    );
    // The cluster's autoscaling timezone: 09:00 UTC in January is 10:00 in Berlin.
    const berlin = run({ autoscaling: { timezone: 'Europe/Berlin' } });
    expect((berlin.details!.hotspots as any[])[0].hot[0].windows).toEqual([
      '09:30 (hot from 10:00) to 12:00, every day (Europe/Berlin)',
    ]);
    // Once every ratio and threshold fits (the proposal fed back run after run), the forecast is still said.
    let fed = live;
    let last: ReturnType<typeof analyzeOvercommit> | undefined;
    for (let i = 0; i < 12; i++) {
      last = analyzeOvercommit(
        model({ cpu: 1.5, memGiB: 7.5, extra: [fed], nodeSeries: [exporter] }),
        OVERCOMMIT_DEFAULTS,
        ctx(KOORD),
      );
      const rec = last.recommendations[0];
      if (!rec) break;
      const data = Object.fromEntries(rec.fields.map((f) => [f.path[1], f.proposed]));
      const before = fed.data as Record<string, string>;
      fed = sloConfig(
        data['resource-amplification-config'] ?? JSON.parse(before['resource-amplification-config']!),
        data['colocation-config'] ?? JSON.parse(before['colocation-config']!),
      );
    }
    expect(last!.skipped).toEqual([
      expect.objectContaining({
        reason: 'no-change',
        detail: expect.stringContaining(
          'already fit (big). Hotspots ahead: big (1 node(s), reclaim 55% → 35% ahead of the windows).',
        ),
      }),
    ]);
    // No node runs hot without the exporter's view: no hotspot part at all.
    const plain = analyzeOvercommit(
      model({ cpu: 1.5, memGiB: 7.5, extra: [live] }),
      OVERCOMMIT_DEFAULTS,
      ctx(KOORD),
    );
    expect(plain.recommendations[0]!.details!.hotspots).toBeUndefined();
  });

  it('changes nothing where Koordinator is not running, or where no form is configured', () => {
    const none = analyzeOvercommit(model({ cpu: 1.5, memGiB: 7.5 }), OVERCOMMIT_DEFAULTS, ctx(KOORD));
    expect(none.recommendations).toEqual([]);
    expect(none.skipped[0]).toMatchObject({ reason: 'not-in-cluster' });
    const unset = analyzeOvercommit(model({ cpu: 1.5, memGiB: 7.5 }), OVERCOMMIT_DEFAULTS, ctx({}));
    expect(unset.skipped[0]).toMatchObject({
      reason: 'no-overcommit-form',
      detail: expect.stringMatching(/1 pool/),
    });
  });
});

/** Byte-exact golden; written only with UPDATE_GOLDEN=1, so a missing file fails (in CI too). */
function golden(name: string, value: unknown): void {
  const file = join(GOLDEN, name);
  const text = JSON.stringify(value, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  if (!existsSync(file)) throw new Error(`golden ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}
