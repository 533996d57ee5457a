/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeOvercommit } from './analyze.js';
import { OVERCOMMIT_DEFAULTS } from './args.js';
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
 * node, each requesting 2.5 cores and 12.5 GiB and using `cpu` cores and `memGiB` steadily.
 */
function model(o: { cpu: number; memGiB: number; extra?: KubeObject[] }) {
  const d = deployment('web', 'shop', {
    replicas: 4,
    containers: [container({ name: 'web', cpu: '2500m', memory: '12800Mi' })],
  });
  const rs = replicaSet(d);
  const pods = [0, 1, 2, 3].map((i) =>
    pod(
      `web-7d9f8c6b5-p${i}`,
      'shop',
      { kind: 'ReplicaSet', name: rs.metadata.name },
      {
        node: i < 2 ? 'big-1' : 'big-2',
        containers: [container({ name: 'web', cpu: '2500m', memory: '12800Mi' })],
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

function golden(name: string, value: unknown): void {
  const file = join(GOLDEN, name);
  const text = JSON.stringify(value, null, 2) + '\n';
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}
