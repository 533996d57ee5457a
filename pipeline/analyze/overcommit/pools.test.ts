import { buildPools, lendable, nextRatio, type PoolResource } from './pools.js';
import { container, deployment, modelOf, pod, replicaSet } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import type { KubeObject } from '../../collect/types.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const MiB = 2 ** 20;

/** Two 16-core nodes, 15.5 allocatable each: capacity 32, allocatable 31, reserved 1 (in cores). */
const cpuPool = (hpUsage: number, hpRequests: number): PoolResource => ({
  capacity: 32,
  allocatable: 31,
  reserved: 1,
  hpUsage,
  hpRequests,
  hpMaxUsageRequest: Math.max(hpUsage, hpRequests),
  beRequests: 0,
});

describe('overcommit pool math (hand-computed)', () => {
  it('lends capacity × threshold − usage − reserved − margin, as a ratio over allocatable', () => {
    // 32 × 0.65 = 20.8; − 6 (P95 usage) − 1 (reserved) − 3.2 (10 % margin) = 10.6; 1 + 10.6 / 31 = 1.3419
    const l = lendable(cpuPool(6, 10), { threshold: 0.65, maxRatio: 2, policy: 'usage' }, 0.1);
    expect(l.held).toBe(6);
    expect(l.margin).toBeCloseTo(3.2, 9);
    expect(l.available).toBeCloseTo(10.6, 9);
    expect(l.rawRatio).toBeCloseTo(1.3419, 4);
  });

  it('keeps memory conservative: the larger of usage and requests is held', () => {
    // 128 GiB capacity, 124 allocatable, 4 reserved; usage 30, requests 50 → held 50
    // 128 × 0.7 = 89.6 − 50 − 4 − 12.8 = 22.8; 1 + 22.8 / 124 = 1.1839
    const mem: PoolResource = {
      capacity: 128,
      allocatable: 124,
      reserved: 4,
      hpUsage: 30,
      hpRequests: 50,
      hpMaxUsageRequest: 50,
      beRequests: 0,
    };
    const l = lendable(mem, { threshold: 0.7, maxRatio: 1.2, policy: 'maxUsageRequest' }, 0.1);
    expect(l.held).toBe(50);
    expect(l.available).toBeCloseTo(22.8, 9);
    expect(l.rawRatio).toBeCloseTo(1.1839, 4);
  });

  it('lends nothing when the peak leaves no room: ratio 1.0, never negative', () => {
    // 20.8 − 18 − 1 − 3.2 = −1.4 → 0
    const l = lendable(cpuPool(18, 12), { threshold: 0.65, maxRatio: 2, policy: 'usage' }, 0.1);
    expect(l.available).toBe(0);
    expect(l.rawRatio).toBe(1);
    expect(nextRatio(l.rawRatio, 1.4, 2, 0.1)).toEqual({ ratio: 1, why: 'lowered' });
  });

  it('raises a step per run, caps at the policy ceiling, and lowers at once', () => {
    // steady low load: the pool could carry 2.3, the ceiling is 2.0, and it climbs 0.1 a run
    expect(nextRatio(2.3, 1.0, 2.0, 0.1)).toEqual({ ratio: 1.1, why: 'step' });
    expect(nextRatio(2.3, 1.1, 2.0, 0.1)).toEqual({ ratio: 1.2, why: 'step' });
    expect(nextRatio(2.3, 1.95, 2.0, 0.1)).toEqual({ ratio: 2, why: 'capped' });
    expect(nextRatio(2.3, 2.0, 2.0, 0.1)).toEqual({ ratio: 2, why: 'unchanged' });
    // rising load: down at once, by the full amount
    expect(nextRatio(1.16, 1.8, 2.0, 0.1)).toEqual({ ratio: 1.16, why: 'lowered' });
    // within a step: straight to it (rounded down to 2 decimals)
    expect(nextRatio(1.3419, 1.3, 2.0, 0.1)).toEqual({ ratio: 1.34, why: 'raised' });
  });
});

describe('overcommit pools from a model', () => {
  const poolNode: KubeObject = {
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

  it('counts a container without usage data at its request, beside its siblings that have some', () => {
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
    const m = withUsage(modelOf([poolNode, d, rs, p], END), w, [
      series(
        w,
        { namespace: 'shop', pod: 'api-7d9f8c6b5-a', container: 'app' },
        { cpu: () => 0.2, mem: () => 100 * MiB },
      ),
    ]);
    const usage = m.usage.get('Deployment/shop/api')!.containers.get('app')!;
    const appCpu = usage.cpuTime.percentile(0.95) * 1000;
    const appMem = usage.memPeaks.percentile(0.95);
    // the app's P95 sits at its bucket's end, a little over what it uses
    expect(appCpu).toBeGreaterThanOrEqual(200);
    expect(appCpu).toBeLessThan(230);
    const [pool] = buildPools(m, 'node-pool', 0.95).pools;
    expect(pool!.cpu.hpUsage).toBeCloseTo(appCpu + 300, 6);
    expect(pool!.memory.hpUsage).toBeCloseTo(appMem + 200 * MiB, 0);
    // per pod, the larger of (use with the sidecar at its request) and the pod's requests
    expect(pool!.cpu.hpMaxUsageRequest).toBe(1300);
    expect(pool!.cpu).toMatchObject({ capacity: 8000, allocatable: 7500, reserved: 500, hpRequests: 1300 });
  });
});
