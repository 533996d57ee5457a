import fc from 'fast-check';
import { createUsageFolder } from './fold.js';
import { DecayingHistogram, CPU_BUCKETS, MEMORY_BUCKETS } from './histogram.js';
import { DEFAULT_DIGEST_OPTIONS } from './container-digest.js';

const STEP = 300;
const window = { start: 1_789_000_000 - (1_789_000_000 % 86400), end: 0, step: STEP };
window.end = window.start + 4 * 86400;
const SLOTS = (window.end - window.start) / STEP;

/** The digest's histograms built the plain way: one decayed add per interval. */
function reference(cpu: Float32Array, max: Float32Array, mem: Float32Array, offset: number) {
  const o = DEFAULT_DIGEST_OPTIONS;
  const h = {
    cpuTime: new DecayingHistogram(CPU_BUCKETS, o.cpuHalfLife, window.start),
    cpuLoad: new DecayingHistogram(CPU_BUCKETS, o.cpuHalfLife, window.start),
    cpuPeak: new DecayingHistogram(CPU_BUCKETS, o.cpuHalfLife, window.start),
    memPeaks: new DecayingHistogram(MEMORY_BUCKETS, o.memoryHalfLife, window.start),
  };
  let intervals = 0;
  for (let i = 0; i < cpu.length; i++) {
    const t = window.start + (offset + i) * STEP;
    const c = cpu[i]!;
    const m = mem[i]!;
    if (!(c >= 0) && !(m >= 0)) continue;
    intervals++;
    if (c >= 0) {
      h.cpuTime.add(c, 1, t);
      h.cpuLoad.add(c, Math.max(c, 1e-5), t);
      h.cpuPeak.add(max[i]! >= 0 ? Math.max(max[i]!, c) : c, 1, t);
    }
    if (m >= 0) h.memPeaks.add(m, 1, t);
  }
  return { h, intervals };
}

/** Largest difference relative to the weight (summation order differs by a rounding error). */
function worst(a: Float64Array, b: Float64Array): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / Math.max(1, b[i]!));
  return w;
}

describe('model/usage fold', () => {
  it('runs of equal intervals (coarse points) fold to the same histograms as interval by interval', () => {
    // Series made of runs (coarse-looking), gaps, and single intervals, across day boundaries.
    const run = fc.record({
      length: fc.integer({ min: 1, max: 40 }),
      cpu: fc.oneof(fc.constant(NaN), fc.double({ min: 0, max: 8, noNaN: true })),
      max: fc.oneof(fc.constant(NaN), fc.double({ min: 0, max: 16, noNaN: true })),
      mem: fc.oneof(fc.constant(NaN), fc.double({ min: 1e6, max: 1e10, noNaN: true })),
    });
    fc.assert(
      fc.property(fc.array(run, { minLength: 1, maxLength: 60 }), fc.nat({ max: 200 }), (runs, offset) => {
        const values = runs.flatMap((r) => Array.from({ length: r.length }, () => r));
        const n = Math.min(values.length, SLOTS - offset);
        const cpu = Float32Array.from(values.slice(0, n).map((v) => v.cpu));
        const max = Float32Array.from(values.slice(0, n).map((v) => v.max));
        const mem = Float32Array.from(values.slice(0, n).map((v) => v.mem));
        const folder = createUsageFolder(window);
        folder.add('Deployment/ns/app', {
          namespace: 'ns',
          pod: 'app-1',
          container: 'app',
          offset,
          cpuMean: cpu,
          cpuMax: max,
          memMax: mem,
          samples: n * 5,
        });
        const d = folder.finish().get('Deployment/ns/app')!.containers.get('app')!;
        const want = reference(cpu, max, mem, offset);
        expect(d.intervals).toBe(want.intervals);
        for (const k of ['cpuTime', 'cpuLoad', 'cpuPeak', 'memPeaks'] as const) {
          expect(worst(d[k].weights, want.h[k].weights)).toBeLessThan(1e-9);
          expect(d[k].total).toBeCloseTo(want.h[k].total, 6);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('counts a pod once per interval however many of its containers report', () => {
    const folder = createUsageFolder(window);
    const n = 12; // one hour of 5-minute intervals = 4 demand slots of 15 minutes
    const series = (pod: string, container: string, from: number, to: number) => {
      const cpu = new Float32Array(n).fill(NaN);
      for (let i = from; i < to; i++) cpu[i] = 0.1;
      return {
        namespace: 'ns',
        pod,
        container,
        offset: 0,
        cpuMean: cpu,
        cpuMax: cpu,
        memMax: cpu,
        samples: 0,
      };
    };
    // Pod a: app all hour, its sidecar only the first half; pod b: app only the last quarter.
    folder.add('Deployment/ns/app', series('a', 'app', 0, 12));
    folder.add('Deployment/ns/app', series('a', 'proxy', 0, 6));
    folder.add('Deployment/ns/app', series('b', 'app', 9, 12));
    const pods = [...folder.finish().get('Deployment/ns/app')!.demand.pods.slice(0, 4)];
    expect(pods.map((p) => Math.round(p * 100) / 100)).toEqual([1, 1, 1, 2]);
  });
});
