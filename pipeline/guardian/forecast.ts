/**
 * Hotspots ahead, for the guardian's forecast taint (`actions.forecastTaint`, off by default).
 * Once an hour: each node's hourly CPU load over the last 14 days from Prometheus (the containers
 * the signals sum, over allocatable), through the plan's forecast (analyze/overcommit/forecast.ts,
 * hot from the guardian's own `cpuThreshold`). A node whose window is open — from its lead to its
 * end — may be tainted before it runs hot, and is not untainted while the window lasts.
 */
import type { PrometheusClient } from '../collect/prometheus/client.js';
import {
  forecastHotspots,
  inWindow,
  describeWindow,
  type HotspotForecast,
} from '../analyze/overcommit/forecast.js';
import { HOTSPOT_DEFAULTS } from '../analyze/overcommit/args.js';
import type { NodeObject } from './kube/objects.js';
import type { GuardianSettings } from './settings.js';
import { containerSelector } from './usage.js';

export interface ForecastWatch {
  /** Re-reads the history when the last read is older than an hour (or never was). */
  refresh(nodes: NodeObject[], now: number): Promise<void>;
  /** Why the node is forecast hot now (its open window), or undefined. */
  open(node: string, now: number): string | undefined;
  readonly query: string;
}

const HOUR = 3600;
const DAYS = 14;

export function prometheusForecast(
  client: PrometheusClient,
  g: GuardianSettings,
  selector = '',
): ForecastWatch {
  const sel = containerSelector(selector);
  const query = `sum by (node) (rate(container_cpu_usage_seconds_total{${sel}}[1h]))`;
  // Windows are computed and checked in one zone, so UTC is as good as any (and has no DST jump).
  const o = { ...HOTSPOT_DEFAULTS, threshold: g.cpuThreshold, timezone: 'UTC' };
  let readAt = -Infinity;
  let forecasts = new Map<string, HotspotForecast>();
  return {
    query,
    async refresh(nodes, now) {
      if (now - readAt < HOUR) return;
      readAt = now;
      const end = Math.floor(now / HOUR) * HOUR;
      const res = await client.queryRange({ query, start: end - DAYS * 86400, end, step: HOUR });
      const byNode = new Map(res.result.map((s) => [s.metric.node ?? '', s]));
      const next = new Map<string, HotspotForecast>();
      for (const n of nodes) {
        const s = byNode.get(n.metadata.name);
        const cores = n.status.allocatableCpu / 1000;
        if (!s || !(cores > 0)) continue;
        const times: number[] = [];
        const values: number[] = [];
        s.times.forEach((t, i) => {
          const v = s.values[i]!;
          if (!Number.isFinite(v)) return;
          // rate()[1h] at t is the hour before t: filed under that hour's start.
          times.push(t - HOUR);
          values.push(v / cores);
        });
        if (!times.length) continue;
        // Hourly series start on the hour; a range query at an hourly step already does.
        const f = forecastHotspots({ start: times[0]!, values: fill(times, values) }, o);
        if ('forecast' in f) next.set(n.metadata.name, f.forecast);
      }
      forecasts = next;
    },
    open(node, now) {
      const f = forecasts.get(node);
      const w = f?.windows.find((x) => inWindow(x, now, f.timezone));
      return w
        ? `forecast hot: ${describeWindow(w, f!.timezone)}, hot on ${Math.round(w.share * 100)} % of ${f!.days} days`
        : undefined;
    },
  };
}

/** Points on the hourly grid from the first; an hour Prometheus had nothing for repeats the last. */
function fill(times: number[], values: number[]): number[] {
  const out: number[] = [];
  const n = Math.round((times.at(-1)! - times[0]!) / HOUR) + 1;
  let j = 0;
  for (let k = 0; k < n; k++) {
    const t = times[0]! + k * HOUR;
    while (j + 1 < times.length && times[j + 1]! <= t) j++;
    out.push(values[j]!);
  }
  return out;
}
