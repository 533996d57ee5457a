import fc from 'fast-check';
import { levers, nextRatio, percentWithin, type LeverOptions } from './levers.js';
import type { PoolResource } from './pools.js';

/** The CPU figures of pools.test.ts: 2 nodes of 8 cores (7.5 allocatable), headroom 3.5, batch 2.5. */
const cpu: PoolResource = {
  capacity: 16000,
  allocatable: 15000,
  reserved: 1000,
  requests: { high: 2000, mid: 1000, batch: 1000 },
  highContainers: 4000,
  system: 1300,
  held: 5300,
  heldWithMid: 6300,
  midUse: 3000,
  batchUse: 1000,
  margin: 1600,
  usable: 8800,
  headroom: 3500,
  batchHeadroom: 2500,
  basis: 'series',
};

const OPTS: LeverOptions = {
  threshold: 0.65,
  margin: 0.1,
  maxRatio: 2,
  raiseStep: 0.1,
  amplificationShare: 0.5,
  current: 1,
};

describe('overcommit levers (hand-computed)', () => {
  it('gives the ratio its share of the headroom and reclaim what the ratio did not take', () => {
    const l = levers(cpu, OPTS);
    // budget 0.5 × 3500 = 1750 → raw 1 + 1750 / 15000 = 1.1167; from ×1.0 one step: ×1.1
    expect(l.amplificationBudget).toBe(1750);
    expect(l.rawRatio).toBeCloseTo(1.1167, 4);
    expect(l).toMatchObject({ ratio: 1.1, change: 'step' });
    // the ratio lets in 0.1 × 15000 = 1500 of requests; reclaim 3500 − 1500 = 2000 (12.5 % → 12 %
    // of 16000 = 1920); batch 2500 − 1500 = 1000 (6.25 % → 6 % = 960); threshold 65 − 10 = 55
    expect(l.amplified).toBeCloseTo(1500, 6);
    expect(l.reclaim).toBeCloseTo(2000, 6);
    expect(l).toMatchObject({ midPercent: 12, batchPercent: 6, reclaimPercent: 55 });
    expect(l.midCap).toBe(1920);
    expect(l.batchCap).toBe(960);
    expect(l.amplified + l.midCap).toBeLessThanOrEqual(cpu.headroom);
    // nothing is lent once the high tier holds 8800 (usable); ×1.1 is lowered once it holds more
    // than 8800 − 1500 / 0.5 = 5800 (now 5300)
    expect(l.fallsBackAt).toBe(8800);
    expect(l.lowersAbove).toBeCloseTo(5800, 6);
  });

  it('hands all of it to reclaim at share 0, and all of it to the ratio at share 1', () => {
    const none = levers(cpu, { ...OPTS, amplificationShare: 0, current: 1.3 });
    // a live ×1.3 is lowered to ×1.0 at once: reclaim gets the whole 3500 (21 % = 3360)
    expect(none).toMatchObject({
      ratio: 1,
      change: 'lowered',
      amplified: 0,
      midPercent: 21,
      batchPercent: 15,
    });
    expect(none.lowersAbove).toBeUndefined();
    // share 1 at ×1.2 live: raw 1 + 3500 / 15000 = 1.2333 → ×1.23 (raised); 0.23 × 15000 = 3450
    // leaves 50 for reclaim (0 %), and batch 2500 − 3450 < 0 → 0
    const all = levers(cpu, { ...OPTS, amplificationShare: 1, current: 1.2 });
    expect(all).toMatchObject({ ratio: 1.23, change: 'raised', midPercent: 0, batchPercent: 0 });
    expect(all.amplified).toBeCloseTo(3450, 6);
    expect(all.reclaim).toBeCloseTo(50, 6);
  });

  it('keeps the ratio from steps and ceilings as before: up a step a run, down at once', () => {
    expect(nextRatio(2.3, 1.0, 2.0, 0.1)).toEqual({ ratio: 1.1, why: 'step' });
    expect(nextRatio(2.3, 1.95, 2.0, 0.1)).toEqual({ ratio: 2, why: 'capped' });
    expect(nextRatio(2.3, 2.0, 2.0, 0.1)).toEqual({ ratio: 2, why: 'unchanged' });
    expect(nextRatio(1.16, 1.8, 2.0, 0.1)).toEqual({ ratio: 1.16, why: 'lowered' });
    expect(nextRatio(1.3419, 1.3, 2.0, 0.1)).toEqual({ ratio: 1.34, why: 'raised' });
  });

  it('writes whole percents that never round up past the amount', () => {
    expect(percentWithin(1920, 16000)).toBe(12);
    expect(percentWithin(1919.99, 16000)).toBe(11);
    expect(percentWithin(0, 16000)).toBe(0);
    expect(percentWithin(20000, 16000)).toBe(100);
    // 0.07 × 100 = 7.000000000000001 in floating point: still 7, and 7 % of 100 is within 7
    expect(percentWithin(7, 100)).toBe(7);
  });
});

describe('overcommit levers: never the same headroom twice (property)', () => {
  const pool = fc
    .record({
      capacity: fc.double({ min: 1, max: 1e7, noNaN: true }),
      allocShare: fc.double({ min: 0.5, max: 1, noNaN: true }),
      headShare: fc.double({ min: 0, max: 1, noNaN: true }),
      batchShare: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ capacity, allocShare, headShare, batchShare }): PoolResource => {
      const headroom = capacity * headShare * 0.9;
      return {
        ...cpu,
        capacity,
        allocatable: capacity * allocShare,
        reserved: capacity * (1 - allocShare),
        usable: capacity * 0.9,
        headroom,
        batchHeadroom: headroom * batchShare,
      };
    });
  const options = fc.record({
    threshold: fc.double({ min: 0.05, max: 1, noNaN: true }),
    margin: fc.double({ min: 0, max: 0.9, noNaN: true }),
    maxRatio: fc.double({ min: 1, max: 10, noNaN: true }),
    raiseStep: fc.double({ min: 0.01, max: 1, noNaN: true }),
    amplificationShare: fc.double({ min: 0, max: 1, noNaN: true }),
    // whatever is live: ours from an earlier run, or a human's
    current: fc.double({ min: 1, max: 10, noNaN: true }).map((x) => Math.round(x * 100) / 100),
  });

  it('the requests the ratio lets in and the caps Koordinator enforces sum to at most the headroom', () => {
    fc.assert(
      fc.property(pool, options, (r, o) => {
        const l = levers(r, o);
        // what the written config lends: the ratio's extra allocatable, and the mid and batch caps
        const lentByRatio = (l.ratio - 1) * r.allocatable;
        const midCap = (r.capacity * l.midPercent) / 100;
        const batchCap = (r.capacity * l.batchPercent) / 100;
        expect(lentByRatio).toBeGreaterThanOrEqual(0);
        expect(lentByRatio + midCap).toBeLessThanOrEqual(r.headroom);
        expect(lentByRatio + batchCap).toBeLessThanOrEqual(r.headroom);
        // batch also leaves what the mid tier uses
        expect(batchCap).toBeLessThanOrEqual(Math.max(0, r.batchHeadroom - lentByRatio));
        expect(batchCap).toBeLessThanOrEqual(midCap);
        expect(lentByRatio).toBeLessThanOrEqual(o.amplificationShare * r.headroom);
        expect(l.ratio).toBeLessThanOrEqual(Math.max(1, o.maxRatio));
      }),
      { numRuns: 2000 },
    );
  });

  it('still holds run after run as the ratio climbs from its own output while the load moves', () => {
    fc.assert(
      fc.property(
        pool,
        options,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 12 }),
        (r, o, loads) => {
          let current = 1;
          for (const load of loads) {
            const now = {
              ...r,
              headroom: r.capacity * 0.9 * load,
              batchHeadroom: r.capacity * 0.9 * load * 0.5,
            };
            const l = levers(now, { ...o, current });
            expect((l.ratio - 1) * now.allocatable + (now.capacity * l.midPercent) / 100).toBeLessThanOrEqual(
              now.headroom,
            );
            expect(l.ratio - current).toBeLessThanOrEqual(o.raiseStep + 1e-9);
            current = l.ratio;
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
