import { lendable, nextRatio, type PoolResource } from './pools.js';

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
