/**
 * The peers, written from their published parameters (recommenders.md §1–3), each with its own
 * published change gating, fed the same history and the same OOM events as Tidemark.
 */
import {
  DecayingHistogram,
  CPU_BUCKETS,
  MEMORY_BUCKETS,
  type BucketScheme,
} from '../../../pipeline/model/usage/histogram.js';
import { HISTORY_DAYS, MiB, type Recommender } from './types.js';

const DAY = 86400;

/** The requests a human set, never changed. */
export const provisioned: Recommender = { name: 'provisioned (manual)', decideDay: () => {} };

function histStart(day: number): number {
  return Math.max(0, day - HISTORY_DAYS) * DAY;
}

/**
 * VPA recommender + updater: CPU P90 of samples (24 h half-life), memory P90 of daily peaks
 * (24 h half-life, 8 days), ×1.15; OOM bump max(+100MiB, ×1.2); floors 25m / 250Mi; the updater
 * applies a recommendation when the request is outside [lower, upper] or ≥ 10 % away.
 */
export const vpa: Recommender = {
  name: 'VPA',
  decideDay(day, states) {
    for (const s of states) {
      const from = histStart(day);
      const to = day * DAY;
      const cpu = new DecayingHistogram(CPU_BUCKETS, DAY, 0);
      const mem = new DecayingHistogram(MEMORY_BUCKETS, DAY, 0);
      const step = s.w.step;
      let first = Infinity;
      let last = -Infinity;
      let samples = 0;
      for (let i = Math.floor(from / step); i < Math.floor(to / step); i++) {
        const t = i * step;
        if (!(s.w.cpu[i]! >= 0)) continue; // a gap in a real trace
        cpu.add(s.w.cpu[i]!, 0.1, t);
        samples++;
        first = Math.min(first, t);
        last = Math.max(last, t);
      }
      // Memory: one peak per 24 h interval, over the last 8 days.
      for (let d = Math.max(day - 8, Math.floor(from / DAY)); d < day; d++) {
        let peak = 0;
        for (let i = Math.floor((d * DAY) / step); i < Math.floor(((d + 1) * DAY) / step); i++)
          if (s.w.mem[i]! > peak) peak = s.w.mem[i]!;
        for (const o of s.ooms)
          if (o.time >= d * DAY && o.time < (d + 1) * DAY)
            peak = Math.max(peak, Math.max(o.limit + 100 * MiB, o.limit * 1.2));
        mem.add(peak, 1, (d + 1) * DAY);
      }
      if (cpu.isEmpty()) continue;
      const conf = Math.max(Math.min((last - first) / DAY, (samples * step) / 60 / 1440), 1e-3);
      const target = {
        cpu: Math.max(cpu.percentile(0.9) * 1.15 * 1000, 25),
        mem: Math.max(mem.percentile(0.9) * 1.15, 250 * MiB),
      };
      const lower = {
        cpu: Math.max(cpu.percentile(0.5) * 1.15 * 1000 * Math.pow(1 + 0.001 / conf, -2), 25),
        mem: Math.max(mem.percentile(0.5) * 1.15 * Math.pow(1 + 0.001 / conf, -2), 250 * MiB),
      };
      const upper = {
        cpu: cpu.percentile(0.95) * 1.15 * 1000 * (1 + 1 / conf),
        mem: mem.percentile(0.95) * 1.15 * (1 + 1 / conf),
      };
      const outside = s.cpu < lower.cpu || s.cpu > upper.cpu || s.mem < lower.mem || s.mem > upper.mem;
      const diff =
        Math.abs(s.cpu - target.cpu) / Math.max(s.cpu, 1) + Math.abs(s.mem - target.mem) / Math.max(s.mem, 1);
      if (outside || diff >= 0.1) {
        s.cpu = Math.ceil(target.cpu);
        s.mem = Math.ceil(target.mem);
      }
    }
  },
};

/** KRR simple: CPU P95 of samples, memory max × 1.15, over 14 days; floors 10m / 100Mi; a report users apply as is. */
export const krr: Recommender = {
  name: 'KRR (simple)',
  decideDay(day, states) {
    for (const s of states) {
      const step = s.w.step;
      const a = Math.floor(histStart(day) / step);
      const b = Math.floor((day * DAY) / step);
      const cpus = Array.from(s.w.cpu.subarray(a, b))
        .filter((x) => x >= 0) // gaps in a real trace are no points
        .sort((x, y) => x - y);
      if (cpus.length < 100 || cpus.length * step < 3 * 3600) continue; // "Not enough data"
      const p95 = cpus[Math.min(cpus.length - 1, Math.floor(0.95 * (cpus.length - 1)))]!;
      let max = 0;
      for (let i = a; i < b; i++) if (s.w.mem[i]! > max) max = s.w.mem[i]!;
      s.cpu = Math.max(Math.ceil(p95 * 1000), 10);
      s.mem = Math.max(Math.ceil((max * 1.15) / MiB) * MiB, 100 * MiB);
    }
  },
};

const CRANE_CPU: BucketScheme = { kind: 'linear', first: 0.1, ratio: 1, count: 1000 };
const CRANE_MEM: BucketScheme = { kind: 'linear', first: 100 * MiB, ratio: 1, count: 1000 };

/**
 * Crane resource recommender: load-weighted (weight = value) P99 × 1.15 over 7 days, linear
 * buckets (0.1 core, 100 MiB), half-lives 24 h / 48 h, 1-minute samples for both CPU and memory;
 * OOM protection for 7 days; a change is patched whenever the value differs.
 */
export const crane: Recommender = {
  name: 'Crane',
  decideDay(day, states) {
    for (const s of states) {
      const step = s.w.step;
      const from = Math.max(0, day - 7) * DAY;
      const cpu = new DecayingHistogram(CRANE_CPU, DAY, 0);
      const mem = new DecayingHistogram(CRANE_MEM, 2 * DAY, 0);
      for (let i = Math.floor(from / step); i < Math.floor((day * DAY) / step); i++) {
        const t = i * step;
        cpu.add(s.w.cpu[i]!, Math.max(1e-5, s.w.cpu[i]!), t);
        mem.add(s.w.mem[i]!, Math.max(1e-5, s.w.mem[i]! / MiB), t);
      }
      if (cpu.isEmpty()) continue;
      let m = mem.percentile(0.99) * 1.15;
      for (const o of s.ooms)
        if (o.time >= day * DAY - 7 * DAY && o.time < day * DAY)
          m = Math.max(m, o.limit + 100 * MiB, o.limit * 1.2);
      s.cpu = Math.ceil(cpu.percentile(0.99) * 1.15 * 1000);
      s.mem = Math.ceil(m);
    }
  },
};
