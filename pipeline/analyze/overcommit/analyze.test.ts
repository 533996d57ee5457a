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
function model(o: { cpu: number; memGiB: number; reqMem?: string; extra?: KubeObject[] }) {
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
  const m = modelOf([node('big-1', 'big'), node('big-2', 'big'), d, rs, ...pods, ...(o.extra ?? [])], END);
  const w = windowOf(END, 14);
  return withUsage(
    m,
    w,
    pods.map((p) =>
      series(
        w,
        { namespace: 'shop', pod: p.metadata.name, container: 'web' },
        { cpu: () => o.cpu, mem: () => o.memGiB * GiB },
      ),
    ),
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
  it('lends a steady low-load pool a step more per run, within the ceiling, and memory stays conservative', () => {
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
    // CPU: 32 × 0.65 − ~6 (P95 usage) − 1 reserved − 3.2 margin ≈ 10.6 → raw ≈ 1.34; a step: 1.1
    expect(pool.cpu.capacity).toBe(32000);
    expect(pool.cpu.reserved).toBe(1000);
    expect(pool.cpu.rawRatio).toBeGreaterThan(1.3);
    expect(pool.cpu.rawRatio).toBeLessThan(1.36);
    expect(pool.cpu).toMatchObject({ current: 1, ratio: 1.1, change: 'step' });
    // memory: requests (50 GiB) exceed usage (30), so 50 is held: 89.6 − 50 − 4 − 12.8 = 22.8 → 1.18; a step
    expect(pool.memory.held).toBeCloseTo(50 * GiB, -6);
    expect(pool.memory.rawRatio).toBeCloseTo(1.1839, 3);
    expect(pool.memory).toMatchObject({ ratio: 1.1, change: 'step' });
    // when load rises: nothing lent once held reaches capacity × threshold − reserved − margin,
    // and ×1.1 lowered once held passes that − 0.1 × allocatable (what the PR body shows)
    expect(pool.cpu).toMatchObject({ fallsBackAt: 16600, lowersAbove: 13500, maxRatio: 2, threshold: 0.65 });
    // the percent written to Koordinator, the same figure the PR body shows: (0.65 − 0.1) × 100
    expect([pool.cpu.reclaimPercent, pool.memory.reclaimPercent]).toEqual([55, 60]);
    expect(pool.memory.fallsBackAt).toBeCloseTo(72.8 * GiB, -3);
    expect(pool.memory.lowersAbove).toBeCloseTo(60.4 * GiB, -3);
    expect(r.details).toMatchObject({ margin: 0.1, raiseStep: 0.1, percentile: 0.95 });
    const amp = ratios(r);
    expect(amp.nodeConfigs).toEqual([
      {
        name: 'big',
        nodeSelector: { matchLabels: { 'node-pool': 'big' } },
        resourceAmplificationRatio: { cpu: 1.1, memory: 1.1 },
      },
    ]);
    const colocation = r.fields.find((f) => f.path[1] === 'colocation-config')!.proposed as any;
    expect(colocation.nodeConfigs[0]).toMatchObject({
      name: 'big',
      cpuReclaimThresholdPercent: 55,
      memoryReclaimThresholdPercent: 60,
    });
    for (const f of r.fields) expect(getValidator(f.schema!)(f.proposed)).toBe(true);
    const upstream = referenceValidator('koordinator_colocation-config_derived.json');
    if (upstream) expect(upstream(colocation)).toBe(true);
    golden('slo-controller-config.json', { colocation, amplification: amp });
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
    // usage 3.5 cores per pod: 20.8 − ~14 − 1 − 3.2 ≈ 2.6 → raw ≈ 1.08
    const rising = analyzeOvercommit(
      model({ cpu: 3.5, memGiB: 7.5, extra: [at(1.8)] }),
      OVERCOMMIT_DEFAULTS,
      ctx(KOORD),
    ).recommendations[0]!;
    const p = (rising.details!.pools as any[])[0];
    expect(p.cpu.change).toBe('lowered');
    expect(p.cpu.ratio).toBeLessThan(1.1);
    expect(p.cpu.ratio).toBeGreaterThan(1.0);
    // usage 4.5 cores per pod: 20.8 − 18+ − 1 − 3.2 < 0 → nothing to lend
    const full = analyzeOvercommit(
      model({ cpu: 4.5, memGiB: 7.5, extra: [at(1.5)] }),
      OVERCOMMIT_DEFAULTS,
      ctx(KOORD),
    ).recommendations[0]!;
    expect((full.details!.pools as any[])[0].cpu).toMatchObject({
      available: 0,
      ratio: 1,
      change: 'lowered',
    });
  });

  it('climbs one step per run to the ceiling as its own output comes back, and drops memory at once', () => {
    // Requests of 4 GiB, use 3 GiB: memory holds 16 GiB → 89.6 − 16 − 4 − 12.8 = 56.8 → raw 1.458,
    // over its 1.2 ceiling. CPU at 0.5 core per pod with threshold 0.8 and ceiling 1.5 (from config):
    // 25.6 − ~2.2 (P95 at its bucket end) − 1 − 3.2 ≈ 19.2 → raw ≈ 1.62, over 1.5.
    const args = {
      ...OVERCOMMIT_DEFAULTS,
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
      expect(p.cpu.rawRatio).toBeGreaterThan(1.6);
      expect(p.memory.rawRatio).toBeCloseTo(1 + 56.8 / 124, 3);
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
    // memory use rises to 14 GiB a pod: 89.6 − 56 − 4 − 12.8 = 16.8 → 1.135 → 1.13 in one run
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
    // a 20 % margin: 32 × 0.65 − ~6 − 1 − 6.4 ≈ 7.4 lendable cores (3.2 fewer than at 10 %)
    const wide = run({ margin: 0.2 });
    expect(wide.cpu.margin).toBeCloseTo(6400, 6);
    expect(base.cpu.available - wide.cpu.available).toBeCloseTo(3200, 6);
    expect(wide.memory.rawRatio).toBeCloseTo(1 + (89.6 - 50 - 4 - 25.6) / 124, 3);
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
    // the config's raise step (0.2) and ceiling (1.8): 1.0 → 1.2 towards raw 1.34
    expect(pools({}).cpu).toMatchObject({ ratio: 1.2, change: 'step', maxRatio: 1.8 });
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
    expect((rec.details!.pools as any[])[0].cpu).toMatchObject({ available: 0, ratio: 1, change: 'lowered' });
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
