/**
 * Node signals from usage samples: hot when a low percentile of the window is over the threshold
 * (so one spike never counts — 80 % of the window must be over it for p20), cool when the high
 * percentile stays under threshold − hysteresis, stale when samples stop. Pure: samples in,
 * verdict out; the controller keeps one window per node.
 */
import { percentile } from '../core/stats.js';
import type { GuardianSettings } from './settings.js';

export interface UsageSample {
  /** Unix seconds of the sample (Prometheus' evaluation time). */
  t: number;
  /** Shares of allocatable, 0–1+. */
  cpu: number;
  memory: number;
}

export interface NodeSignal {
  state: 'hot' | 'warm' | 'cool' | 'stale' | 'unknown';
  /** The resource that made it hot, with the low percentile and threshold behind it. */
  resource?: 'cpu' | 'memory';
  low: { cpu: number; memory: number };
  high: { cpu: number; memory: number };
  samples: number;
  /** Time of the newest sample: the one that completed (or last judged) the window. */
  newest?: number;
}

export class UsageWindow {
  private samples: UsageSample[] = [];

  add(s: UsageSample): void {
    if (this.samples.length && s.t <= this.samples[this.samples.length - 1]!.t) return;
    this.samples.push(s);
  }

  /** Samples held: never more than one window's worth (2,000 nodes × a longer history was 100 MiB). */
  get size(): number {
    return this.samples.length;
  }

  /** Judges the window ending at `now`, dropping first what no later window will read. */
  signal(now: number, g: GuardianSettings): NodeSignal {
    const from = now - g.windowSeconds;
    // The newest sample stays even when it is old: it is what tells stale metrics from none.
    let old = 0;
    while (old < this.samples.length - 1 && this.samples[old]!.t <= from) old++;
    if (old) this.samples.splice(0, old);
    const last = this.samples[this.samples.length - 1];
    const within = last && last.t <= from ? [] : this.samples;
    const pick = (q: number, r: 'cpu' | 'memory') =>
      within.length
        ? percentile(
            within.map((s) => s[r]),
            q,
          )
        : 0;
    const low = { cpu: pick(g.percentile, 'cpu'), memory: pick(g.percentile, 'memory') };
    const high = { cpu: pick(1 - g.percentile, 'cpu'), memory: pick(1 - g.percentile, 'memory') };
    const out = { low, high, samples: within.length, ...(last ? { newest: last.t } : {}) };
    if (!last) return { state: 'unknown', ...out };
    if (now - last.t > g.staleIntervals * g.intervalSeconds) return { state: 'stale', ...out };
    // A window is judged only when it is mostly full: a fresh guardian waits one window.
    const needed = Math.max(2, Math.floor((g.windowSeconds / g.intervalSeconds) * 0.8));
    if (within.length < needed) return { state: 'unknown', ...out };
    if (low.cpu > g.cpuThreshold) return { state: 'hot', resource: 'cpu', ...out };
    if (low.memory > g.memoryThreshold) return { state: 'hot', resource: 'memory', ...out };
    if (high.cpu < g.cpuThreshold - g.hysteresis && high.memory < g.memoryThreshold - g.hysteresis)
      return { state: 'cool', ...out };
    return { state: 'warm', ...out };
  }
}
