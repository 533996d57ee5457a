/* eslint-disable @typescript-eslint/no-explicit-any */
import { buildPools, type PoolOptions } from './pools.js';
import { container, deployment, modelOf, pod, replicaSet } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import type { KubeObject } from '../../collect/types.js';
import type { NodeUsageSeries } from '../../collect/node-usage/types.js';
import type { UsageWindow } from '../../collect/types.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const GiB = 2 ** 30;
const MiB = 2 ** 20;

const OPTS: PoolOptions = {
  percentile: 0.95,
  margin: 0.1,
  cpu: { threshold: 0.65, policy: 'usage' },
  memory: { threshold: 0.7, policy: 'maxUsageRequest' },
};

/** 8 cores / 32 GiB, 7.5 / 30 allocatable: reserved 500 m and 2 GiB. */
function poolNode(name: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'node-pool': 'p' } },
    spec: {},
    status: {
      capacity: { cpu: '8', memory: '32Gi' },
      allocatable: { cpu: '7500m', memory: '30Gi' },
      conditions: [{ type: 'Ready', status: 'True' }],
    },
  };
}

/** A one-container Deployment pod on `node` in the given Koordinator priority class. */
function tierPod(name: string, node: string, priorityClassName: string, cpu: string, memory: string) {
  const containers = [container({ name: 'c', cpu, memory })];
  const d = deployment(name, 'ns', { replicas: 1, containers });
  const rs = replicaSet(d);
  const p = pod(
    `${name}-7d9f8c6b5-a`,
    'ns',
    { kind: 'ReplicaSet', name: rs.metadata.name },
    { node, containers },
  );
  (p.spec as any).priorityClassName = priorityClassName;
  return [d, rs, p];
}

const hourOf = (w: UsageWindow, t: number) => Math.floor((t - w.start) / 3600) % 24;

/**
 * Two nodes, each with a prod pod (1 core; 2 cores at 08–10 h; 4 GiB used, 6 GiB requested), a
 * mid pod (0.5 core; 1.5 at 20–22 h; 2 GiB used, 1 GiB requested) and a batch pod (0.5 core,
 * 1 GiB). n1 has node-exporter, which sees 800 m and 1.5 GiB more than the containers; n2 has none.
 */
function scene() {
  const w = windowOf(END, 1);
  const objects = [poolNode('n1'), poolNode('n2')];
  const list = [];
  for (const n of ['n1', 'n2']) {
    objects.push(
      ...tierPod(`web-${n}`, n, 'koord-prod', '1', '6Gi'),
      ...tierPod(`etl-${n}`, n, 'koord-mid', '500m', '1Gi'),
      ...tierPod(`job-${n}`, n, 'koord-batch', '500m', '1Gi'),
    );
    list.push(
      series(
        w,
        { namespace: 'ns', pod: `web-${n}-7d9f8c6b5-a`, container: 'c' },
        { cpu: (t) => (hourOf(w, t) === 8 || hourOf(w, t) === 9 ? 2 : 1), mem: () => 4 * GiB },
      ),
      series(
        w,
        { namespace: 'ns', pod: `etl-${n}-7d9f8c6b5-a`, container: 'c' },
        { cpu: (t) => (hourOf(w, t) === 20 || hourOf(w, t) === 21 ? 1.5 : 0.5), mem: () => 2 * GiB },
      ),
      series(
        w,
        { namespace: 'ns', pod: `job-${n}-7d9f8c6b5-a`, container: 'c' },
        { cpu: () => 0.5, mem: () => GiB },
      ),
    );
  }
  const slots = (w.end - w.start) / w.step;
  const cpu = new Float32Array(slots);
  const memory = new Float32Array(slots);
  for (let i = 0; i < slots; i++) {
    const h = hourOf(w, w.start + i * w.step);
    cpu[i] = (h === 8 || h === 9 ? 2 : 1) + (h === 20 || h === 21 ? 1.5 : 0.5) + 0.5 + 0.8;
    memory[i] = 7 * GiB + 1.5 * GiB;
  }
  const exporter: NodeUsageSeries = { node: 'n1', kind: 'node-exporter', cpu, memory };
  return withUsage(modelOf(objects, END), w, list, [], { series: [exporter] });
}

describe('overcommit pools by tier (hand-computed)', () => {
  it('takes the percentile of each node’s per-slot sums, the node view for the system, reserved without one', () => {
    const [pool] = buildPools(scene(), 'node-pool', OPTS).pools;
    const cpu = pool!.cpu;
    // 96 slots of 15 min; P95 is the 92nd smallest (simple-statistics), so 8 peak slots decide it.
    // n1: system = max(800 seen outside the containers, 500 reserved) = 800.
    //   held = prod + 800: 1800 most of the day, 2800 at 08–10 → P95 2800
    //   held + mid: 2300, 3300 at 08–10, 3300 at 20–22 → P95 3300 (not 2800 + 1500)
    // n2: no node view, system = reserved 500: held P95 2500, held + mid P95 3000.
    expect(cpu.basis).toBe('series');
    expect(cpu.held).toBeCloseTo(2800 + 2500, 0);
    expect(cpu.heldWithMid).toBeCloseTo(3300 + 3000, 0);
    expect(cpu.system).toBeCloseTo(800 + 500, 0);
    expect(cpu.highContainers).toBeCloseTo(2000 + 2000, 0);
    expect(cpu.midUse).toBeCloseTo(1500 + 1500, 0);
    // usable per node = 8000 × 0.65 − 800 = 4400; headroom (4400 − 2800) + (4400 − 2500) = 3500;
    // batch (4400 − 3300) + (4400 − 3000) = 2500
    expect(cpu.usable).toBeCloseTo(8800, 6);
    expect(cpu.margin).toBeCloseTo(1600, 6);
    expect(cpu.headroom).toBeCloseTo(3500, 0);
    expect(cpu.batchHeadroom).toBeCloseTo(2500, 0);
    expect(cpu.requests).toEqual({ high: 2000, mid: 1000, batch: 1000 });
    expect(cpu).toMatchObject({ capacity: 16000, allocatable: 15000, reserved: 1000 });
    // the node view: n1 only; the node sees 3800 at P95 (2.8 + 1 peak), the containers 3000
    expect(cpu.nodeView).toMatchObject({ nodes: 1, kinds: { 'node-exporter': 1 } });
    expect(cpu.nodeView!.node).toBeCloseTo(3800, 0);
    expect(cpu.nodeView!.containers).toBeCloseTo(3000, 0);
    expect(cpu.nodeView!.differenceMean).toBeCloseTo(800, 0);
    expect(cpu.nodeView!.differenceP).toBeCloseTo(800, 0);
  });

  it('holds memory as max(use, request) container by container, the system never under reserved', () => {
    const [pool] = buildPools(scene(), 'node-pool', OPTS).pools;
    const mem = pool!.memory;
    // per node: prod max(4, 6) = 6 GiB; mid max(2, 1) = 2; system max(1.5 seen, 2 reserved) = 2
    // held 8, held + mid 10; usable 32 × 0.7 − 3.2 = 19.2 → headroom 11.2, batch 9.2
    expect(mem.held / GiB).toBeCloseTo(16, 6);
    expect(mem.heldWithMid / GiB).toBeCloseTo(20, 6);
    expect(mem.headroom / GiB).toBeCloseTo(22.4, 6);
    expect(mem.batchHeadroom / GiB).toBeCloseTo(18.4, 6);
    expect(mem.nodeView!.differenceMean / GiB).toBeCloseTo(1.5, 6);
  });

  it('clamps each node at zero on its own: a hot node lends nothing and borrows nothing', () => {
    const m = scene();
    // n2's prod pod now runs at 4.5 cores all day: held 5000 > usable 4400 → n2 lends 0
    const w = m.usageWindow!;
    const hot = withUsage(
      m,
      w,
      [
        series(
          w,
          { namespace: 'ns', pod: 'web-n2-7d9f8c6b5-a', container: 'c' },
          { cpu: () => 4.5, mem: () => 4 * GiB },
        ),
        series(
          w,
          { namespace: 'ns', pod: 'web-n1-7d9f8c6b5-a', container: 'c' },
          { cpu: () => 1, mem: () => 4 * GiB },
        ),
      ],
      [],
    );
    const [pool] = buildPools(hot, 'node-pool', OPTS).pools;
    // (refolded without the exporter; mid and batch now count at their requests, outside `held`)
    // n1: held = 1000 + 500 reserved = 1500 → headroom 4400 − 1500 = 2900;
    // n2: 4500 + 500 = 5000 → 0, not −600 taken off n1's
    expect(pool!.cpu.headroom).toBeCloseTo(2900, 0);
  });

  it('counts a container without usage data at its request, beside its siblings that have some', () => {
    const n: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', labels: { 'node-pool': 'p' } },
      spec: {},
      status: {
        capacity: { cpu: '8', memory: '32Gi' },
        allocatable: { cpu: '7500m', memory: '30Gi' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    };
    // app: requests 1 core / 1 GiB, uses 0.2 core / 100 MiB; sidecar: requests 300m / 200 MiB, no data
    const containers = [
      container({ name: 'app', cpu: '1', memory: '1Gi' }),
      container({ name: 'sidecar', cpu: '300m', memory: '200Mi' }),
    ];
    const d = deployment('api', 'shop', { replicas: 1, containers });
    const rs = replicaSet(d);
    const p = pod(
      'api-7d9f8c6b5-a',
      'shop',
      { kind: 'ReplicaSet', name: rs.metadata.name },
      { node: 'n1', containers },
    );
    const w = windowOf(END, 7);
    const m = withUsage(modelOf([n, d, rs, p], END), w, [
      series(
        w,
        { namespace: 'shop', pod: 'api-7d9f8c6b5-a', container: 'app' },
        { cpu: () => 0.2, mem: () => 100 * MiB },
      ),
    ]);
    const usage = (o: PoolOptions) => buildPools(m, 'node-pool', o).pools[0]!;
    // series: 200 + 300 (sidecar at its request); per container max(use, request): 1000 + 300
    expect(usage(OPTS).cpu.highContainers).toBeCloseTo(500, 3);
    expect(
      usage({ ...OPTS, cpu: { threshold: 0.65, policy: 'maxUsageRequest' } }).cpu.highContainers,
    ).toBeCloseTo(1300, 3);
    expect(usage(OPTS).memory.highContainers).toBeCloseTo(1024 * MiB + 200 * MiB, 0);
    // without the node fold, each container's P95 from the digests (a bucket's end, a little over
    // 200) plus the sidecar's request
    delete m.nodeUsage;
    const digests = usage(OPTS).cpu;
    expect(digests.basis).toBe('digests');
    expect(digests.highContainers).toBeGreaterThanOrEqual(500);
    expect(digests.highContainers).toBeLessThan(530);
    expect(digests.held).toBeCloseTo(digests.highContainers + 500, 6);
  });
});
