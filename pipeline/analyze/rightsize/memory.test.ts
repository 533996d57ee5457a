import { modelOf, deploymentWithPods, container } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import type { ChangeHistoryEntry } from '../../model/types.js';
import { analyzeRightsize } from './analyze.js';
import { RIGHTSIZE_DEFAULTS, type RightsizeArgs } from './args.js';
import type { AnalyzeContext, Recommendation } from '../types.js';
import type { MemoryBasis } from './memory.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400);
const DAY = 86400;
const MiB = 2 ** 20;
const GiB = 2 ** 30;
const ctx: AnalyzeContext = { now: END, cluster: 'test', clusterSettings: {} };
const w = windowOf(END);
const ref = { namespace: 'shop', pod: 'web-7d9f8c6b5-aaaaa', container: 'web' };

/** `ooms`: kills reported as the metrics source reports them, with the live pod's limit filled in. */
function model(
  memory: string,
  mem: (t: number) => number,
  o: { from?: number; ooms?: { time: number; limit: number }[] } = {},
) {
  const objects = deploymentWithPods('web', 'shop', {
    replicas: 1,
    containers: [container({ name: 'web', cpu: '1', memory, memoryLimit: memory })],
  });
  return withUsage(
    modelOf(objects),
    w,
    [series(w, ref, { cpu: () => 0.2, mem }, { from: o.from })],
    (o.ooms ?? []).map((k) => ({ ...ref, time: k.time, limitBytes: k.limit, source: 'metrics' as const })),
  );
}

function memoryOf(
  m: ReturnType<typeof model>,
  args: Partial<RightsizeArgs> = {},
): { proposed?: number; rec?: Recommendation; basis?: MemoryBasis } {
  const rec = analyzeRightsize(m, { ...RIGHTSIZE_DEFAULTS, ...args }, ctx).recommendations[0];
  const f = rec?.fields.find((x) => x.path.join('.').endsWith('requests.memory'));
  return { proposed: f?.quantity?.proposed, rec, basis: rec?.evidence.memory as MemoryBasis | undefined };
}

describe('analyze/rightsize/memory', () => {
  it('sizes a flat series on its peak with a quarter of the square-root term (hand-computed)', () => {
    const { proposed, basis, rec } = memoryOf(model('2Gi', () => 500 * MiB));
    // held = 500 MiB (last 7 days). Daily peaks do not move (spread 0): a quarter of the
    // square-root term, min(500 MiB, √(500/1024) GiB = 715.5 MiB) / 4 = 125 MiB; + 10 % = 50 MiB.
    expect(proposed).toBe(675 * MiB);
    expect(basis!.peak).toEqual({ bytes: 500 * MiB, at: w.start + 7 * DAY, weight: 1, days: 7 });
    expect(basis!.headroom!.bytes).toBeCloseTo(175 * MiB, 0);
    expect(rec!.evidence.why).toMatch(/peak 500Mi on 2027-01-08 00:00 UTC \+ 35% headroom \(10% \+ 125Mi/);
  });

  it('counts a peak older than 7 days at 80 %, and names it with its time', () => {
    const spikeAt = w.start + 3 * DAY + 3600;
    const mem = (t: number): number => (t === spikeAt ? GiB : 400 * MiB);
    const { proposed, basis } = memoryOf(model('4Gi', mem));
    // recent 400 MiB < 80 % × 1 GiB = 819.2 MiB → held 819.2 MiB. Spread (1024 − 400)/1024 > 20 %:
    // the whole term, on the second-highest day (400 MiB): min(400, √(400/1024) GiB = 640 MiB)
    // = 400 MiB; + 81.92 MiB = 1301.12 → 1302 MiB.
    expect(proposed).toBe(1302 * MiB);
    expect(basis!.peak).toEqual({ bytes: GiB, at: spikeAt, weight: 0.8, days: 14 });
    expect(basis!.headroom!.sqrtOf).toBe(400 * MiB);
    expect(basis!.headroom!.why).toBe(
      '10% + 400Mi for a 819Mi peak (the √ term on its 2nd-highest day, 400Mi)',
    );
  });

  it('gives a large container relatively less headroom: a 20 GiB peak over 16 GiB days → +30 %', () => {
    const peakAt = END - 2 * DAY;
    const mem = (t: number): number => (t === peakAt ? 20 * GiB : 16 * GiB);
    const { proposed, basis } = memoryOf(model('48Gi', mem));
    // held 20 GiB; spread (20 − 16)/20 = 20 %: the whole term, on the second-highest day:
    // √16 = 4 GiB; + 2 GiB = 26 GiB = 26624 MiB.
    expect(proposed).toBe(26624 * MiB);
    expect(basis!.headroom!.sqrtOf).toBe(16 * GiB);
  });

  it('sizes the square-root term on the highest peak when it is reached on two days', () => {
    const day = (t: number): number => Math.floor((t - w.start) / DAY);
    const mem = (t: number): number => ([5, 11].includes(day(t)) ? 20 * GiB : 16 * GiB);
    const { proposed, basis } = memoryOf(model('48Gi', mem));
    // held 20 GiB, second-highest day 20 GiB: √20 = 4.4721 GiB; + 2 GiB = 26.4721 GiB
    // = 27107.4 MiB → 27108 MiB; the why names no second day.
    expect(proposed).toBe(27108 * MiB);
    expect(basis!.headroom!.sqrtOf).toBe(20 * GiB);
    expect(basis!.headroom!.why).toBe('10% + 4.47Gi for a 20.00Gi peak');
  });

  it('adds headroom while history is short: 3.5 of 14 days → ×1.75', () => {
    const { proposed, basis } = memoryOf(model('2Gi', () => 500 * MiB, { from: END - 3.5 * DAY }));
    // warm-up (14 − 3.5)/14 = 0.75: the flat series' 175 MiB × 1.75 = 306.25 MiB → 806.25 → 807 MiB.
    expect(basis!.headroom!.warmup).toBeCloseTo(0.75, 6);
    expect(proposed).toBe(807 * MiB);
  });

  it('after an OOM raises above the limit that killed it and holds until 7 clean days, then fades', () => {
    const kill = END - 2 * DAY;
    const { proposed, basis, rec } = memoryOf(
      model('512Mi', () => 300 * MiB, { ooms: [{ time: kill, limit: 512 * MiB }] }),
    );
    // peak = max(limit 512 MiB, the day's 300 MiB) → max(612, 614.4) MiB → 615 MiB, above the
    // regular 300 + 30 + 75 = 405 MiB.
    expect(proposed).toBe(615 * MiB);
    expect(basis!.oom).toEqual({
      at: kill,
      limit: 512 * MiB,
      peak: 512 * MiB,
      floor: 614.4 * MiB,
      kills: 1,
      holdsUntil: kill + 7 * DAY,
    });
    expect(rec!.evidence.why).toMatch(
      /OOM-killed 1× in 14 days, last on .* at a 512Mi limit \(memory at 512Mi\): at least 614Mi/,
    );
    // Ten clean days later the floor is at 1 − 3/7 of 614.4 = 351 MiB: the regular 405 MiB rules.
    // (memoryKeepAbove 0: by default a 512Mi request within 30 % of 405 MiB would stay.)
    const later = memoryOf(
      model('512Mi', () => 300 * MiB, { ooms: [{ time: END - 10 * DAY, limit: 512 * MiB }] }),
      { memoryKeepAbove: 0 },
    );
    expect(later.basis!.oom!.floor).toBeCloseTo(614.4 * MiB * (4 / 7), 0);
    expect(later.proposed).toBe(405 * MiB);
  });

  it('reads the limit a kill happened at from our change history, so a raise does not compound', () => {
    const kill = END - 3 * DAY;
    // The live pod already runs at 615Mi (raised in place the day after the kill), so the kill
    // comes with the live limit.
    const m = model('615Mi', () => 300 * MiB, { ooms: [{ time: kill, limit: 615 * MiB }] });
    const raised: ChangeHistoryEntry = {
      time: kill + DAY,
      commit: 'c1',
      workload: 'Deployment/shop/web',
      field: 'container/web/limits/memory',
      from: '512Mi',
      to: '615Mi',
    };
    m.history = [raised];
    expect(memoryOf(m).proposed).toBeUndefined(); // 615Mi is the floor: nothing to change
    m.history = [];
    // Without the history the reported limit (the live 615Mi) would be taken for the kill's:
    // max(715, 738) MiB.
    expect(memoryOf(m).proposed).toBe(738 * MiB);
  });

  it('by default keeps a request that still leaves a tenth of the headroom over the peak', () => {
    // Target 675 MiB over a 500 MiB peak (175 MiB headroom): 518 MiB keeps 18 ≥ 17.5 MiB and stays;
    // 517 MiB keeps 17 < 17.5 MiB and is raised to the whole target.
    expect(memoryOf(model('518Mi', () => 500 * MiB)).proposed).toBeUndefined();
    expect(memoryOf(model('517Mi', () => 500 * MiB)).proposed).toBe(675 * MiB);
  });

  it('keeps a request that still leaves half the headroom, and raises one that does not', () => {
    // Target 675 MiB over a 500 MiB peak (175 MiB headroom): 600 MiB keeps 100 ≥ 87.5 MiB.
    expect(
      memoryOf(
        model('600Mi', () => 500 * MiB),
        { keepShare: 0.5 },
      ).proposed,
    ).toBeUndefined();
    expect(
      memoryOf(
        model('580Mi', () => 500 * MiB),
        { keepShare: 0.5 },
      ).proposed,
    ).toBe(675 * MiB);
  });

  it('projects a growing series: 1 GiB/day from 3 GiB reaches 23 GiB in 7 days', () => {
    const grow = (t: number): number => 2 * GiB + ((t - w.start) / DAY) * GiB;
    const { proposed, basis } = memoryOf(model('16Gi', grow), { growthHorizonDays: 7, growthCapFraction: 1 });
    // (The default horizon is 3 days: 18.9965 × 1.1 = 20.9 GiB, below the peak rule.) Daily peaks 2.9965 + k GiB, slope 1 GiB/day; the last 15.9965 GiB + 7 = 22.9965 GiB × 1.1
    // = 25.2962 GiB = 25903.3 MiB → 25904 MiB, above the peak rule's 15.9965 × 1.1 + √14.9965
    // (the second-highest day) = 21.469 GiB.
    expect(basis!.growth!.perDay / GiB).toBeCloseTo(1, 3);
    expect(proposed! / MiB).toBeCloseTo(25904, -1);
  });

  it('counts a projection at most 10 % over the last peak: the peak rule then drives (hand-computed)', () => {
    const grow = (t: number): number => 2 * GiB + ((t - w.start) / DAY) * GiB;
    const { proposed, basis, rec } = memoryOf(model('16Gi', grow), { growthHorizonDays: 7 });
    // The last peak 15.9965 GiB + 7 GiB = 22.9965 GiB, counted at 15.9965 × 1.1 = 17.5962 GiB;
    // × 1.1 = 19.356 GiB is below the peak rule's 15.9965 × 1.1 + √14.9965 (the second-highest
    // day) = 17.5962 + 3.8725 = 21.4687 GiB.
    expect(basis!.growth!.projected / GiB).toBeCloseTo(17.5962, 3);
    expect(basis!.growth!.capped).toBe(true);
    expect(proposed! / GiB).toBeCloseTo(21.4687, 3);
    expect(rec!.evidence.why).not.toMatch(/grows/);
  });

  it('cuts the square-root term for a workload whose highest peak is within 5 % of its 5th-highest day', () => {
    // Daily peaks 1,000 MiB on five days, 500 MiB on the rest: they move 50 % (the range rule gives
    // the whole term), but the top is a level reached again and again: (1000 − 1000)/1000 = 0 → ¼.
    // held 1,000 MiB; ¼ × min(1000, √(1000/1024) GiB = 1011.9 MiB) = 250 MiB; + 100 MiB → 1350 MiB.
    const day = (t: number): number => Math.floor((t - w.start) / DAY);
    const ceiling = (t: number): number => ([1, 4, 7, 10, 12].includes(day(t)) ? 1000 : 500) * MiB;
    const { proposed, basis } = memoryOf(model('4Gi', ceiling));
    expect(proposed).toBe(1350 * MiB);
    expect(basis!.headroom!.why).toBe(
      '10% + 250Mi for a 1000Mi peak, cut to 25% as its highest peak is only 0.0% above its 5th-highest day',
    );
    // One of the five at 900 MiB: (1000 − 900)/1000 = 10 % ≥ 5 %, the whole term: 1000 + 100 + 1000
    // (capped at the peak) = 2100 MiB.
    const once = (t: number): number => (day(t) === 12 ? 900 * MiB : ceiling(t));
    expect(memoryOf(model('4Gi', once)).proposed).toBe(2100 * MiB);
  });

  it('keeps a request less than 30 % above its target, and cuts one further above', () => {
    // Target 675 MiB (first test): 877 MiB ≤ 675 × 1.3 = 877.5 MiB stays; 878 MiB is cut.
    const kept = memoryOf(model('877Mi', () => 500 * MiB));
    expect(kept.proposed).toBeUndefined();
    expect(memoryOf(model('878Mi', () => 500 * MiB)).proposed).toBe(675 * MiB);
  });
});
