import { ceilSafe, percentile } from './stats.js';

describe('percentile', () => {
  it('interpolates between ranks like numpy (type 7), on unsorted input', () => {
    expect(percentile([20, 3, 16, 6, 15, 7, 13, 8, 10, 8, 9], 0.5)).toBe(9);
    // 20 values 1..20: rank (20 - 1) × 0.95 = 18.05 → 19 + 0.05 × (20 − 19)
    const v = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile(v, 0.95)).toBeCloseTo(19.05, 12);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile(v, 1)).toBe(20);
  });

  it('orders negatives and fractions numerically, not as text', () => {
    // As text, "-10" < "-1" < "0.5" < "100" < "9"; numerically the median of five is 0.5.
    expect(percentile([9, -1, 100, 0.5, -10], 0.5)).toBe(0.5);
    expect(percentile([9, -1, 100, 0.5, -10], 0.25)).toBe(-1);
  });

  it('selects the same ranks a full sort reads, with ties and on long series', () => {
    // A seeded generator: a failure reproduces. Values on a coarse grid so many tie.
    let seed = 7;
    const next = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 50;
    for (const n of [1, 2, 3, 17, 4032]) {
      const v = Array.from({ length: n }, () => Math.round(next()) / 2);
      const sorted = [...v].sort((a, b) => a - b);
      for (const p of [0, 0.05, 0.5, 0.9, 0.95, 0.99, 1]) {
        const rank = (n - 1) * p;
        const lo = sorted[Math.floor(rank)]!;
        const hi = sorted[Math.ceil(rank)]!;
        expect(percentile(v, p)).toBeCloseTo(lo + (rank - Math.floor(rank)) * (hi - lo), 12);
      }
    }
  });

  it('leaves its input as it was and gives 0 for none', () => {
    const v = [3, 1, 2];
    percentile(v, 0.5);
    expect(v).toEqual([3, 1, 2]);
    expect(percentile([], 0.9)).toBe(0);
  });
});

describe('ceilSafe', () => {
  it('ignores float32 noise but not a real fraction', () => {
    expect(ceilSafe(6.0000002)).toBe(6);
    expect(ceilSafe(6.01)).toBe(7);
  });
});
