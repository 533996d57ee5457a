import { addMatrix, newBatchAccumulator } from './decode.js';
import { ceilingIndex } from '../sample-check.js';
import type { UsageRequest } from '../types.js';

const T0 = 1_800_000_000;
const w = { start: T0, end: T0 + 6 * 300, step: 300 };
const GiB = 2 ** 30;

describe('collect/prometheus/decode', () => {
  it("drops values that are negative, not finite or above the container's node, and counts each kind", () => {
    const request: UsageRequest = {
      window: w,
      containers: [
        {
          namespace: 'shop',
          pod: 'web-1',
          container: 'web',
          ceiling: { cpuCores: 4, memoryBytes: 16 * GiB, node: 'node-1' },
        },
      ],
      ceiling: { cpuCores: 8, memoryBytes: 32 * GiB },
    };
    const acc = newBatchAccumulator(ceilingIndex(request));
    const times = Float64Array.from([1, 2, 3, 4, 5, 6], (i) => T0 + i * 300);
    const metric = { namespace: 'shop', pod: 'web-1', container: 'web' };
    addMatrix(
      acc,
      'memMax',
      [{ metric, times, values: Float64Array.from([1e9, 1e18, -5, NaN, 16 * GiB, Infinity]) }],
      w,
    );
    // 4 cores × 2 = 8 cores is the highest rate: 8 is kept, 8.5 is not.
    addMatrix(
      acc,
      'cpuMax',
      [{ metric, times, values: Float64Array.from([0.5, 8, 8.5, -Infinity, 0.2, 0.1]) }],
      w,
    );
    // A container the request does not name gets the largest node's ceiling (8 cores × 2).
    const other = { namespace: 'shop', pod: 'web-2', container: 'web' };
    addMatrix(
      acc,
      'cpuMean',
      [{ metric: other, times, values: Float64Array.from([16, 16.5, 1, 1, 1, 1]) }],
      w,
    );
    const s = acc.series.get('shop/web-1/web')!;
    expect(Array.from(s.memMax)).toEqual([1e9, NaN, NaN, NaN, 16 * GiB, NaN]);
    expect(Array.from(s.cpuMax)).toEqual([0.5, 8, NaN, NaN, 0.2, 0.1].map((v) => Math.fround(v)));
    expect(acc.series.get('shop/web-2/web')!.cpuMean[1]).toBeNaN();
    expect(acc.invalid).toEqual({
      // memory: 1e18 above, -5 negative, NaN and +Inf not finite; CPU: 8.5 and 16.5 above, -Inf not finite
      total: 7,
      negative: 1,
      nonFinite: 3,
      aboveNode: 3,
      example: `memMax of shop/web-1/web at ${new Date((T0 + 600) * 1000).toISOString()}: 1000000000000000000: above its node's capacity (16.00Gi on node-1)`,
    });
  });
});
