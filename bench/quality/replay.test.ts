import { judgeDay, summarize, toIntervals, replay } from './replay.js';
import type { Workload } from './shapes.js';
import type { Recommender, WorkloadState } from './recommenders/types.js';

const MiB = 2 ** 20;

/** Two days at 300 s: CPU 0.1 core all day except 12 samples at 0.5; memory 100 MiB, one 300 MiB sample on day 1. */
function tiny(): Workload {
  const n = 2 * 288;
  const cpu = new Float32Array(n).fill(0.1);
  const mem = new Float32Array(n).fill(100 * MiB);
  for (let i = 288; i < 300; i++) cpu[i] = 0.5;
  mem[400] = 300 * MiB;
  return {
    id: 'tiny',
    shape: 'steady',
    step: 300,
    days: 2,
    cpu,
    mem,
    provisioned: { cpu: 200, mem: 200 * MiB },
  };
}

describe('bench/quality/replay', () => {
  it('judges a day by hand: samples above the request, slack at P95, the would-OOM fed back', () => {
    const w = tiny();
    const s: WorkloadState = { w, iv: toIntervals(w), cpu: 200, mem: 200 * MiB, ooms: [], history: [] };
    const d1 = judgeDay(s, 1, true);
    expect(d1.cpuAbove).toBe(12); // 12 of 288 samples at 0.5 > 0.2 core
    expect(d1.cpuSamples).toBe(288);
    // P95 of the day's 5-minute CPU: 12 of 288 are 0.5, so the 95th percentile is 0.1 → slack (0.2-0.1)/0.2
    expect(d1.cpuSlack).toBeCloseTo(0.5, 5);
    expect(d1.memSlack).toBeCloseTo(0.5, 5); // P95 memory is 100 MiB against 200 MiB
    expect(d1.wouldOom).toBe(true);
    expect(s.ooms).toEqual([{ time: 400 * 300, limit: 200 * MiB }]);
    const d0 = judgeDay(s, 0, false);
    expect(d0.wouldOom).toBe(false);
    expect(d0.cpuAbove).toBe(0);
  });

  it('summarizes OOM-free days, change counts per 30 days and requested totals', () => {
    // A recommender that raises memory to 400 MiB on day 1: one change, no OOM afterwards.
    const raiser: Recommender = {
      name: 'raiser',
      decideDay: (day, states) => states.forEach((s) => (s.mem = day >= 1 ? 400 * MiB : s.mem)),
    };
    const row = summarize(replay(raiser, [tiny()], { judgeFrom: 1, horizon: 2 }));
    expect(row.oomFreeDays).toBe(1);
    expect(row.changesP50).toBe(30); // one change in one judged day → 30 per 30 days
    expect(row.sumGiB).toBeCloseTo(400 / 1024, 6);
    expect(row.cpuAboveShare).toBeCloseTo(12 / 288, 6);
  });
});
