/**
 * The cost trend: what the workloads reserved, day by day, over every plan's window — requests now
 * × the pods that ran at each point (the inventory's usage series) × price. Where windows overlap,
 * the newer plan's day wins; clusters add up per day, each at its last known cost on a day no plan
 * of it covers.
 */
import { NO_DATA } from '../../plan/inventory.js';
import { monthly } from './money.js';
import type { ClusterSnapshots, Snapshot } from './snapshots.js';
import { workloadFigures } from './workloads.js';

const DAY = 86400;
const TOP = 254;

export function trendOf(clusters: ClusterSnapshots[]): { times: number[]; cost: number[] } {
  const perCluster = clusters.map((c) => {
    const days = new Map<number, number>();
    for (const s of c.all) for (const [day, cost] of dailyCost(s)) days.set(day, cost);
    return days;
  });
  const all = [...new Set(perCluster.flatMap((d) => [...d.keys()]))].sort((a, b) => a - b);
  // A cluster without a plan covering a day counts at its last known cost (from its first day on).
  const cost = all.map(() => 0);
  for (const days of perCluster) {
    let last: number | undefined;
    all.forEach((day, i) => {
      last = days.get(day) ?? last;
      if (last !== undefined) cost[i]! += last;
    });
  }
  return { times: all.map((d) => d * DAY), cost };
}

/** Day (unix days) → mean monthly cost of the snapshot's workloads over the day's points. */
function dailyCost(s: Snapshot): Map<number, number> {
  const figures = [...workloadFigures(s.json).values()];
  const withSeries = figures.find((w) => w.inv.series)?.inv.series;
  const out = new Map<number, number>();
  if (!withSeries) {
    if (figures.length)
      out.set(
        Math.floor(s.at / DAY),
        figures.reduce((a, w) => a + w.cost, 0),
      );
    return out;
  }
  const { start, step } = withSeries;
  const points = Buffer.from(withSeries.pods, 'base64').length;
  const cost = new Float64Array(points);
  for (const w of figures) {
    const pod = monthly(w.inv.requests.cpuCores, w.inv.requests.memoryBytes, w.price);
    const series = w.inv.series;
    if (!series || series.start !== start || series.step !== step) {
      for (let i = 0; i < points; i++) cost[i]! += pod * w.replicas;
      continue;
    }
    const pods = Buffer.from(series.pods, 'base64');
    for (let i = 0; i < points; i++) {
      const b = pods[i] ?? NO_DATA;
      if (b !== NO_DATA) cost[i]! += pod * (b / TOP) * series.podsMax;
    }
  }
  const sums = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < points; i++) {
    const day = Math.floor((start + i * step) / DAY);
    const e = sums.get(day) ?? { sum: 0, n: 0 };
    e.sum += cost[i]!;
    e.n++;
    sums.set(day, e);
  }
  for (const [day, e] of sums) out.set(day, e.sum / e.n);
  return out;
}
