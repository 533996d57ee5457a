import { fluctuation, replicaDemand, replicaRange, targetUtilization } from './sizing.js';
import { demandView } from '../../model/usage/demand-view.js';
import type { DemandSeries } from '../../model/usage/types.js';

const series = (cpu: number[], cpuMax: number[], pods: number[], step = 900, start = 0): DemandSeries => ({
  start,
  step,
  cpu: Float32Array.from(cpu),
  cpuMax: Float32Array.from(cpuMax),
  memory: new Float32Array(cpu.length),
  pods: Float32Array.from(pods),
});

describe('hpa sizing (checked by hand)', () => {
  it('keeps only slots with pods, and measures the burst as hottest peak over average mean', () => {
    const v = demandView(series([2, 4, 0], [1.2, 3, 0], [2, 2, 0]));
    expect(v.times).toEqual([0, 900]);
    expect(v.cpu).toEqual([2, 4]);
    // mean pod 1 core, hottest 1.2 → 1.2; mean 2, hottest 3 → 1.5
    expect(v.burst[0]).toBeCloseTo(1.2, 5);
    expect(v.burst[1]).toBeCloseTo(1.5, 5);
  });

  it('targets 100 / P95 burst, clamped', () => {
    const v = demandView(series([2, 2], [1.25, 1.25], [2, 2]));
    expect(targetUtilization(v, 50, 90)).toEqual({ target: 80, burstP95: 1.25 });
    expect(targetUtilization(v, 50, 75).target).toBe(75);
    const spiky = demandView(series([1, 1], [4, 4], [1, 1]));
    expect(targetUtilization(spiky, 50, 80).target).toBe(50);
  });

  it('turns demand into replicas at the target', () => {
    const v = demandView(series([2, 4], [1, 2], [2, 2]));
    // 0.5 core per pod at 80 % = 0.4 core of work per pod: 2 / 0.4 = 5, 4 / 0.4 = 10
    const d = replicaDemand(v, 0.5, 80);
    expect(d[0]).toBeCloseTo(5, 9);
    expect(d[1]).toBeCloseTo(10, 9);
  });

  it('floors at a low percentile and leaves an elastic ceiling over the peak', () => {
    const o = { floor: 2, minPercentile: 0.05, headroom: 0.5, cap: 100, live: 3 };
    // P5 of [5, 10], interpolated: 5 + 0.05 × 5 = 5.25 → 6
    expect(replicaRange([5, 10], o)).toEqual({ min: 6, max: 15, peakDemand: 10, capped: false });
    expect(replicaRange([5, 10], { ...o, cap: 12 })).toEqual({
      min: 6,
      max: 12,
      peakDemand: 10,
      capped: true,
    });
    // never below what runs now, and the floor policy wins over tiny demand
    expect(replicaRange([0.2, 0.4], { ...o, live: 6 })).toEqual({
      min: 2,
      max: 6,
      peakDemand: 0.4,
      capped: false,
    });
  });

  it("computes Crane's fluctuation from hourly medians, an idle hour counting as 1 millicore", () => {
    const cpu = Array.from({ length: 96 }, (_, i) => (Math.floor(i / 4) < 12 ? 1 : 3));
    const v = demandView(
      series(
        cpu,
        cpu,
        cpu.map(() => 1),
      ),
    );
    expect(fluctuation(v)).toBeCloseTo(3, 9);
    const idle = demandView(
      series(
        cpu.map((c) => (c === 1 ? 0 : 0.5)),
        cpu,
        cpu.map(() => 1),
      ),
    );
    expect(fluctuation(idle)).toBeCloseTo(500, 6);
  });
});
