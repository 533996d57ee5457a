import { modelOf, deploymentWithPods, container, hpa } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import { analyzeRightsize } from './analyze.js';
import { RIGHTSIZE_DEFAULTS } from './args.js';
import type { AnalyzeContext } from '../types.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const MiB = 2 ** 20;
const ctx: AnalyzeContext = { now: END, cluster: 'test', clusterSettings: {} };
const w = windowOf(END);

function web(
  opts: { cpu?: string; memory?: string; memoryLimit?: string; cpuLimit?: string; replicas?: number } = {},
) {
  return deploymentWithPods('web', 'shop', {
    replicas: opts.replicas ?? 1,
    containers: [
      container({
        name: 'web',
        cpu: opts.cpu ?? '1',
        memory: opts.memory ?? '2Gi',
        memoryLimit: opts.memoryLimit,
        cpuLimit: opts.cpuLimit,
      }),
    ],
  });
}
const ref = { namespace: 'shop', pod: 'web-7d9f8c6b5-aaaaa', container: 'web' };

describe('analyze/rightsize', () => {
  it('sizes a steady container: CPU on its P90 (never above the highest value seen) × 1.15, memory on its peak (hand-computed)', () => {
    const m = withUsage(modelOf(web()), w, [series(w, ref, { cpu: () => 0.2, mem: () => 500 * MiB })]);
    const { recommendations } = analyzeRightsize(m, RIGHTSIZE_DEFAULTS, ctx);
    const fields = Object.fromEntries(
      recommendations[0]!.fields.map((f) => [f.path.slice(-2).join('.'), f.proposed]),
    );
    // CPU: 0.2 core falls in VPA's bucket 14, which ends at 0.2158, but nothing above 0.2 was seen:
    // P90 = 200m; ×1.15 = 230m, already a multiple of 5m.
    expect(fields['requests.cpu']).toBe('230m');
    // Memory: peak 500 MiB + 10 % + a quarter (daily peaks do not move) of min(500 MiB,
    // √(500/1024) GiB) = 50 + 125 MiB → 675Mi (memory.test.ts has the rest of the rule).
    expect(fields['requests.memory']).toBe('675Mi');
    const e = recommendations[0]!.evidence;
    expect(e.confidence).toEqual({ days: 14, level: 'high' });
    expect(e.why).toMatch(/P90 of 5-minute CPU is 200m/);
  });

  it('keeps a limit at its original ratio to the request, and adds none where there was none', () => {
    const m = withUsage(modelOf(web({ cpu: '1', cpuLimit: '2', memory: '2Gi' })), w, [
      series(w, ref, { cpu: () => 0.2, mem: () => 500 * MiB }),
    ]);
    const f = analyzeRightsize(m, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!.fields;
    expect(f.find((x) => x.path.join('.').endsWith('limits.cpu'))?.proposed).toBe('460m'); // 2 × 230/1000
    expect(f.some((x) => x.path.join('.').endsWith('limits.memory'))).toBe(false);
  });

  it('raises memory after an OOM kill to max(used + 100Mi, used × 1.2) until a clean week', () => {
    const oom = { ...ref, time: END - 2 * 86400, limitBytes: 512 * MiB, source: 'metrics' as const };
    const m = withUsage(
      modelOf(web({ memory: '512Mi', memoryLimit: '512Mi' })),
      w,
      [series(w, ref, { cpu: () => 0.2, mem: () => 300 * MiB })],
      [oom],
    );
    const rec = analyzeRightsize(m, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!;
    const mem = rec.fields.find((x) => x.path.join('.').endsWith('requests.memory'))!;
    // used = 512Mi (the limit it was killed at): max(612Mi, 614.4Mi) → 615Mi
    expect(mem.proposed).toBe('615Mi');
    expect(rec.evidence.ooms).toBe(1);
    expect(rec.evidence.why).toMatch(/OOM-killed 1× in 14 days, .* at a 512Mi limit/);
    // A kill 10 days ago (3 clean days past the hold) holds memory up at 4/7 of 614.4 MiB only.
    const old = withUsage(
      modelOf(web({ memory: '512Mi', memoryLimit: '512Mi' })),
      w,
      [series(w, ref, { cpu: () => 0.2, mem: () => 300 * MiB })],
      [{ ...oom, time: END - 10 * 86400 }],
    );
    // (memoryKeepAbove 0: by default 512Mi, within 30 % of the 405 MiB target, would stay.)
    const oldMem = analyzeRightsize(
      old,
      { ...RIGHTSIZE_DEFAULTS, memoryKeepAbove: 0 },
      ctx,
    ).recommendations[0]!.fields.find((x) => x.path.join('.').endsWith('requests.memory'))!;
    expect(oldMem.quantity!.proposed).toBeLessThan(512 * MiB);
  });

  it('does not compound the OOM bump on the next run, after memory was already raised', () => {
    const oom = { ...ref, time: END - 2 * 86400, limitBytes: 512 * MiB, source: 'metrics' as const };
    const raised = withUsage(
      modelOf(web({ memory: '615Mi', memoryLimit: '615Mi' })),
      w,
      [series(w, ref, { cpu: () => 0.2, mem: () => 300 * MiB })],
      [oom],
    );
    const rec = analyzeRightsize(raised, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!;
    expect(rec.fields.some((x) => x.path.join('.').endsWith('requests.memory'))).toBe(false);
  });

  it('does not size a growing memory series on its past: it projects the growth', () => {
    const grow = (t: number): number => (200 + ((t - w.start) / 86400) * 20) * MiB; // +20 MiB/day, 480 MiB at the end
    const m = withUsage(modelOf(web()), w, [series(w, ref, { cpu: () => 0.2, mem: grow })]);
    const rec = analyzeRightsize(m, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!;
    const mem = rec.fields.find((x) => x.path.join('.').endsWith('requests.memory'))!;
    const growth = (
      rec.evidence.memory as { growth: { perDay: number; projected: number; capped?: boolean } }
    ).growth;
    // last peak 200 + 13.9965 × 20 = 479.93 MiB; 3 days × 20 MiB ahead = 539.93 MiB, counted at most
    // 10 % over the last peak: 527.93 MiB, which the proposal covers
    expect(growth.perDay / MiB).toBeCloseTo(20, 1);
    expect(growth.projected / MiB).toBeCloseTo(527.93, 1);
    expect(growth.capped).toBe(true);
    expect(mem.quantity!.proposed).toBeGreaterThan(growth.projected);
  });

  it('leaves CPU alone when an HPA scales on it, and says why', () => {
    const m = withUsage(modelOf([...web(), hpa('web', 'shop', 'web', { cpuUtilization: 70 })]), w, [
      series(w, ref, { cpu: () => 0.2, mem: () => 500 * MiB }),
    ]);
    const { recommendations, skipped } = analyzeRightsize(m, RIGHTSIZE_DEFAULTS, ctx);
    expect(recommendations[0]!.fields.map((f) => f.path.slice(-2).join('.'))).toEqual(['requests.memory']);
    expect(skipped).toEqual([expect.objectContaining({ reason: 'hpa-scales-cpu', container: 'web' })]);
  });

  it('uses the profile a policy override picks for the workload', () => {
    const bursty = (t: number): number => ((t / 300) % 20 === 0 ? 2 : 0.1); // 5 % of intervals burst
    const m = withUsage(modelOf(web()), w, [series(w, ref, { cpu: bursty, mem: () => 500 * MiB })]);
    const cpuOf = (c: AnalyzeContext): number =>
      analyzeRightsize(m, RIGHTSIZE_DEFAULTS, c).recommendations[0]!.fields.find((f) =>
        f.path.join('.').endsWith('requests.cpu'),
      )!.quantity!.proposed;
    const balanced = cpuOf(ctx);
    const latency = cpuOf({ ...ctx, overrides: () => ({ profile: 'latency' }) });
    expect(balanced).toBeLessThan(200); // P90 of the time is the 0.1-core baseline
    expect(latency).toBeGreaterThan(2000); // most of the load is in the bursts
  });

  it('reports workloads and containers without usage, and Jobs, as skipped with a reason', () => {
    const m = withUsage(modelOf([...web(), ...deploymentWithPods('cart', 'shop')]), w, [
      series(w, ref, { cpu: () => 0.2, mem: () => 500 * MiB }),
    ]);
    const { skipped } = analyzeRightsize(m, RIGHTSIZE_DEFAULTS, ctx);
    expect(skipped).toContainEqual(
      expect.objectContaining({ workload: 'Deployment/shop/cart', reason: 'no-metrics' }),
    );
  });

  it('ignores gaps: NaN intervals count as missing, not as zero', () => {
    const gappy = (t: number): number => (Math.floor((t - w.start) / 86400) % 2 ? NaN : 0.2);
    const m = withUsage(modelOf(web()), w, [
      series(w, ref, { cpu: gappy, mem: (t) => (Number.isNaN(gappy(t)) ? NaN : 500 * MiB) }),
    ]);
    const rec = analyzeRightsize(m, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!;
    expect(rec.fields.find((f) => f.path.join('.').endsWith('requests.cpu'))!.proposed).toBe('230m');
    expect(rec.evidence.confidence!.days).toBeCloseTo(7, 0);
  });
});

describe('analyze/rightsize evidence', () => {
  it('marks CPU saturated when the P90 of its 5-minute CPU reaches the request, and says so (hand-computed)', () => {
    // 0.2 core in every interval: P90 = 200m (capped at the highest value seen) ≥ the 50m request.
    const busy = withUsage(modelOf(web({ cpu: '50m' })), w, [
      series(w, ref, { cpu: () => 0.2, mem: () => 500 * MiB }),
    ]);
    const e = analyzeRightsize(busy, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!.evidence;
    expect((e.cpu as { saturation?: unknown }).saturation).toEqual({
      quantile: 0.9,
      usage: 200,
      request: 50,
    });
    expect((e.cpu as { detail: string }).detail).toBe(
      'P90 of 5-minute CPU is 200m; saturated: P90 of its 5-minute CPU is 200m, at or above its 50m request',
    );
    // 5 % of intervals at 2 cores, the rest at 0.1: the P90 (the 0.1-core baseline's bucket, ≤ 105m)
    // stays below a 150m request however high the bursts go.
    const bursty = (t: number): number => ((t / 300) % 20 === 0 ? 2 : 0.1);
    const idle = withUsage(modelOf(web({ cpu: '150m' })), w, [
      series(w, ref, { cpu: bursty, mem: () => 500 * MiB }),
    ]);
    const e2 = analyzeRightsize(idle, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!.evidence;
    expect((e2.cpu as { saturation?: unknown }).saturation).toBeUndefined();
  });

  it("gives the headline statistic, percentile, peak and band of one resource: memory's when memory changes", () => {
    // Steady 0.2 core with 0.3-core scrape peaks, memory 500 MiB.
    const f = { cpu: () => 0.2, cpuMax: () => 0.3, mem: () => 500 * MiB };
    const both = withUsage(modelOf(web()), w, [series(w, ref, f)]);
    const e = analyzeRightsize(both, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!.evidence;
    const memory = e.memory as { statistic: string; lower: number; upper: number };
    expect(e).toMatchObject({
      statistic: 'highest 5-minute memory peak of the last 7 days (older peaks at 80%)',
      unit: 'bytes',
      peak: 500 * MiB,
      lower: memory.lower,
      upper: memory.upper,
    });
    expect(e.percentile).toBeUndefined(); // memory is sized on a peak, not a percentile
    // Memory already at its target (675Mi): only CPU changes, and the headline is CPU's.
    const cpuOnly = withUsage(modelOf(web({ memory: '675Mi' })), w, [series(w, ref, f)]);
    const rec = analyzeRightsize(cpuOnly, RIGHTSIZE_DEFAULTS, ctx).recommendations[0]!;
    expect(rec.fields.map((x) => x.path.at(-1))).toEqual(['cpu']);
    const cpu = rec.evidence.cpu as { lower: number; upper: number };
    expect(rec.evidence).toMatchObject({
      statistic: 'P90 of 5-minute CPU',
      percentile: 90,
      unit: 'millicores',
      lower: cpu.lower,
      upper: cpu.upper,
    });
    // The peak is of the series the statistic is of: the highest 5-minute mean, 200m.
    expect(rec.evidence.peak).toBeCloseTo(200, 3);
  });
});
