import fc from 'fast-check';
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

describe('model/usage/histogram capped at the highest value (capAtMax)', () => {
  it("never reports a percentile above the highest value added: 11 m in VPA's 10–20.5 m bucket is 11 m", () => {
    // Without decay, so the two halves weigh the same.
    const vpa = new DecayingHistogram(CPU_BUCKETS, Infinity, 0);
    const capped = new DecayingHistogram(CPU_BUCKETS, Infinity, 0, true);
    for (const h of [vpa, capped]) for (let t = 0; t < 86400; t += 300) h.add(t % 600 ? 0.011 : 0.004, 1, t);
    // Half the intervals at 4 m (bucket 0, ends at 10 m), half at 11 m (bucket 1, ends at 20.5 m).
    expect(vpa.percentile(0.5)).toBeCloseTo(0.01, 9);
    expect(vpa.percentile(0.99)).toBeCloseTo(0.0205, 9);
    expect(capped.percentile(0.5)).toBeCloseTo(0.01, 9);
    expect(capped.percentile(0.99)).toBe(0.011);
    expect(capped.max()).toBe(0.011);
  });

  it('reports a value beyond the last bucket as itself, not as the start of that bucket', () => {
    // The last CPU bucket starts at 0.2 × (1.05^175 − 1) ≈ 1022 cores; 2000 cores lands in it.
    const h = new DecayingHistogram(CPU_BUCKETS, 86400, 0, true);
    h.add(2000, 1, 0);
    expect(h.percentile(0.5)).toBe(2000);
    expect(h.max()).toBe(2000);
  });

  it('keeps percentiles monotone, at most max(), at least the true weighted percentile, and max() the highest value', () => {
    const sample = fc.record({
      value: fc.oneof(
        fc.double({ min: 0, max: 0.05, noNaN: true }),
        fc.double({ min: 0, max: 3000, noNaN: true }),
      ),
      weight: fc.double({ min: 1e-3, max: 10, noNaN: true }),
      time: fc.integer({ min: 0, max: 14 * 86400 }),
    });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 200 }), (samples) => {
        const h = new DecayingHistogram(CPU_BUCKETS, 72 * 3600, 0, true);
        for (const s of samples) h.add(s.value, s.weight, s.time);
        const top = Math.max(...samples.map((s) => s.value));
        expect(h.max()).toBe(top);
        const ps = [0.05, 0.5, 0.9, 0.95, 0.98, 0.99, 1];
        const qs = ps.map((p) => h.percentile(p));
        for (let i = 1; i < qs.length; i++) expect(qs[i]!).toBeGreaterThanOrEqual(qs[i - 1]!);
        expect(qs.at(-1)!).toBeLessThanOrEqual(h.max());
        // the true weighted percentile: the smallest value whose cumulative decayed weight reaches p
        const weighted = samples
          .map((s) => ({ v: s.value, w: s.weight * h.decayFactor(s.time) }))
          .sort((a, b) => a.v - b.v);
        ps.forEach((p, i) => {
          let acc = 0;
          const truth = weighted.find((x) => (acc += x.w) >= p * h.total * (1 - 1e-9))?.v ?? top;
          expect(qs[i]!).toBeGreaterThanOrEqual(truth * (1 - 1e-9));
        });
      }),
      { numRuns: 300 },
    );
  });
});
