import { DecayingHistogram, CPU_BUCKETS, MEMORY_BUCKETS, bucketOf, bucketStart } from './histogram.js';

describe('model/usage/histogram', () => {
  it('uses VPA bucket boundaries', () => {
    // recommenders.md §1.2: b1=0.01, b2=0.0205, b10≈0.126 cores.
    expect(bucketStart(CPU_BUCKETS, 1)).toBeCloseTo(0.01, 6);
    expect(bucketStart(CPU_BUCKETS, 2)).toBeCloseTo(0.0205, 6);
    expect(bucketStart(CPU_BUCKETS, 10)).toBeCloseTo(0.1258, 3);
    expect(bucketOf(CPU_BUCKETS, 0.2)).toBe(14);
  });

  it('returns the end of the bucket holding the percentile (steady 0.2 core → 0.2158, as VPA)', () => {
    const h = new DecayingHistogram(CPU_BUCKETS, 86400, 0);
    for (let t = 0; t < 86400; t += 300) h.add(0.2, 1, t);
    // §1.7 worked number: steady 0.2 core lands in bucket 14, which ends at 0.2158.
    expect(h.percentile(0.9)).toBeCloseTo(0.2158, 3);
    const m = new DecayingHistogram(MEMORY_BUCKETS, 172800, 0);
    m.add(500 * 2 ** 20, 1, 0);
    expect(m.percentile(0.9) / 2 ** 20).toBeCloseTo(521.4, 0);
  });

  it('weighs recent samples more: a day-old sample counts half with a 24 h half-life', () => {
    const h = new DecayingHistogram(CPU_BUCKETS, 86400, 0);
    h.add(1, 1, 0);
    h.add(0.1, 1, 86400);
    // weights 1 (old, 1 core) and 2 (new, 0.1 core): P60 is the new sample's bucket
    expect(h.percentile(0.6)).toBeLessThan(0.12);
    expect(h.percentile(0.7)).toBeGreaterThan(1);
  });

  it('sums a run of intervals to exactly the sum of their factors, whatever the run lengths and references', () => {
    const ref = 1_700_000_000;
    const loop = (h: DecayingHistogram, t: number, n: number, step: number): number => {
      let w = 0;
      for (let j = 0; j < n; j++) w += h.decayFactor(t + j * step);
      return w;
    };
    // More kinds of run than get a shared table, asked twice (filled, then read), and a second
    // window interleaved, so tables are dropped and made again.
    for (let pass = 0; pass < 2; pass++)
      for (const reference of [ref, ref + 86400])
        for (let n = 2; n < 20; n++) {
          const h = new DecayingHistogram(CPU_BUCKETS, 72 * 3600, reference);
          for (let i = 0; i < 50; i++) {
            const t = reference + i * 3600;
            expect(h.decaySum(t, n, 300)).toBe(loop(h, t, n, 300));
          }
        }
  });

  it('ignores NaN, negative values and zero weights', () => {
    const h = new DecayingHistogram(CPU_BUCKETS, 86400, 0);
    h.add(NaN, 1, 0);
    h.add(-1, 1, 0);
    h.add(1, 0, 0);
    expect(h.isEmpty()).toBe(true);
    expect(h.percentile(0.5)).toBe(0);
  });
});
