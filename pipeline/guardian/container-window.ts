/**
 * One container's working set over the guardian's window, for in-place memory raises and their
 * rollback. The guardian follows only containers near their limit (and those it resized), so a
 * window starts when a container is first seen: it is judged once it has been followed for most
 * of the window, like a node's. A tick on which a followed container was under the query's floor
 * counts as a sample of 0 (it was not near its limit then).
 */
import { percentile } from '../core/stats.js';
import type { GuardianSettings } from './settings.js';

export interface ContainerSignal {
  /** The low percentile of the working set over the window (p20 by default), bytes. */
  low: number;
  /** The high percentile (p80), and the largest sample. */
  high: number;
  max: number;
  samples: number;
  /**
   * Followed for at least 80 % of the window, with two samples or more, the newest of them no
   * older than `staleIntervals` ticks (a query that keeps failing leaves nothing to judge).
   */
  full: boolean;
  /** Time of the newest sample (Prometheus' scrape time): the one that completed the window. */
  newest?: number;
}

export class ContainerWindow {
  private samples: { t: number; ws: number }[] = [];

  constructor(readonly since: number) {}

  /** A sample newer than the last one (a slower scrape repeats its value: skipped). */
  add(t: number, ws: number): void {
    if (this.samples.length && t <= this.samples[this.samples.length - 1]!.t) return;
    this.samples.push({ t, ws });
  }

  get size(): number {
    return this.samples.length;
  }

  /** Time of the newest sample that was over the floor. */
  get lastSeen(): number | undefined {
    for (let i = this.samples.length - 1; i >= 0; i--) if (this.samples[i]!.ws > 0) return this.samples[i]!.t;
    return undefined;
  }

  signal(now: number, g: GuardianSettings): ContainerSignal {
    const from = now - g.windowSeconds;
    let old = 0;
    while (old < this.samples.length && this.samples[old]!.t <= from) old++;
    if (old) this.samples.splice(0, old);
    const values = this.samples.map((s) => s.ws);
    let newest: number | undefined;
    for (let i = this.samples.length - 1; i >= 0 && newest === undefined; i--)
      if (this.samples[i]!.ws > 0) newest = this.samples[i]!.t;
    return {
      low: percentile(values, g.percentile),
      high: percentile(values, 1 - g.percentile),
      max: values.length ? Math.max(...values) : 0,
      samples: values.length,
      full:
        values.length >= 2 &&
        now - this.since >= 0.8 * g.windowSeconds &&
        now - this.samples[this.samples.length - 1]!.t <= g.staleIntervals * g.intervalSeconds,
      ...(newest !== undefined ? { newest } : {}),
    };
  }
}
