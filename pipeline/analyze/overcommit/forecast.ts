/**
 * Hotspots predicted: nodes whose load rises over the hot threshold at recurring hours. Per local
 * hour, the share of the last `recentDays` days on which that hour was hot; hours hot on at least
 * `minShare` of them form the forecast windows, opened `leadMinutes` early so new work is kept off
 * before the load arrives (`method: 'recurrent'`, the default: a same-hour vote, 2 of the last 5
 * days). With `method: 'cycle'` the load must first pass the cycle test CronHPA's schedules use
 * (periodicity.ts, after Crane), and a weekly cycle gets weekday and weekend windows. The default
 * is the vote because on the one real trace we have (bench/forecast) hot hours recur at similar
 * times without a clean cycle: the cycle test passes 3 of 3,459 node-days, the vote catches half.
 * Pure: the plan (per node, from the node fold) and the guardian (from Prometheus) run the same code.
 */
import { DateTime } from 'luxon';
import { detectCycles, type HourlySeries } from '../cronhpa/periodicity.js';
import type { IsoDay } from '../cronhpa/schedule.js';
import { clock } from '../cronhpa/schedule.js';
import type { HotspotArgs } from './args.js';

export interface HotspotWindow {
  label: 'every day' | 'weekdays' | 'weekend';
  days: IsoDay[];
  /** Local minutes after midnight: keep work away from (hot start − lead), hot from, until (may wrap). */
  from: number;
  hotFrom: number;
  to: number;
  /** Mean over the window's hours of the share of days each was hot. */
  share: number;
  /** The highest load seen in those hours over the days learned from (share of capacity). */
  peak: number;
}

export interface HotspotForecast {
  /** How the windows were found: a same-hour vote over recent days, or after a cycle test. */
  method: 'recurrent' | 'cycle';
  /** The windows' layout: one per day, or weekdays and weekend apart (a weekly cycle). */
  cycle: 'daily' | 'weekly';
  /** The autocorrelation at the period (a day for the vote): how regularly the load repeats. */
  acf: number;
  timezone: string;
  windows: HotspotWindow[];
  /** Days of history the shares were counted over. */
  days: number;
}

export type ForecastOptions = Pick<
  HotspotArgs,
  'threshold' | 'leadMinutes' | 'recentDays' | 'minShare' | 'method'
> & {
  timezone: string;
};

const WEEKDAYS: IsoDay[] = [1, 2, 3, 4, 5];
const WEEKEND: IsoDay[] = [6, 7];
const ALL: IsoDay[] = [1, 2, 3, 4, 5, 6, 7];

interface LocalHour {
  day: string;
  weekday: IsoDay;
  hour: number;
  value: number;
}

function localHours(h: HourlySeries, timezone: string): LocalHour[] {
  return h.values.map((value, i) => {
    const t = DateTime.fromSeconds(h.start + i * 3600, { zone: timezone });
    return { day: t.toISODate()!, weekday: t.weekday as IsoDay, hour: t.hour, value };
  });
}

/** Runs of hot hours (a share per local hour) as windows, wrapping past midnight. */
function runs(
  shares: number[],
  peaks: number[],
  o: ForecastOptions,
): Omit<HotspotWindow, 'label' | 'days'>[] {
  const hot = shares.map((s) => s >= o.minShare);
  if (!hot.includes(true)) return [];
  if (hot.every(Boolean))
    return [{ from: 0, hotFrom: 0, to: 0, share: avg(shares), peak: Math.max(...peaks) }];
  const out: Omit<HotspotWindow, 'label' | 'days'>[] = [];
  // Start scanning just after a cool hour, so a run across midnight stays whole.
  const first = hot.indexOf(false);
  for (let k = 1; k <= 24; k++) {
    const h = (first + k) % 24;
    if (!hot[h] || hot[(h + 23) % 24]) continue;
    let end = h;
    while (hot[(end + 1) % 24]) end = (end + 1) % 24;
    const hours: number[] = [];
    for (let x = h; ; x = (x + 1) % 24) {
      hours.push(x);
      if (x === end) break;
    }
    const hotFrom = h * 60;
    out.push({
      from: (hotFrom - o.leadMinutes + 1440) % 1440,
      hotFrom,
      to: ((end + 1) % 24) * 60,
      share: avg(hours.map((x) => shares[x]!)),
      peak: Math.max(...hours.map((x) => peaks[x]!)),
    });
  }
  return out.sort((a, b) => a.hotFrom - b.hotFrom);
}

const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function profile(hours: LocalHour[], threshold: number): { shares: number[]; peaks: number[] } {
  const hits = new Array<number>(24).fill(0);
  const seen = new Array<number>(24).fill(0);
  const peaks = new Array<number>(24).fill(0);
  for (const h of hours) {
    seen[h.hour]!++;
    if (h.value >= threshold) hits[h.hour]!++;
    peaks[h.hour] = Math.max(peaks[h.hour]!, h.value);
  }
  return { shares: hits.map((n, i) => (seen[i] ? n / seen[i]! : 0)), peaks };
}

/** Autocorrelation of the series at `lag` hours (0 when it does not vary). */
function autocorrelation(v: number[], lag: number): number {
  const n = v.length;
  if (n <= lag) return 0;
  const mean = avg(v);
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    den += (v[i]! - mean) ** 2;
    if (i + lag < n) num += (v[i]! - mean) * (v[i + lag]! - mean);
  }
  return den > 0 ? num / den : 0;
}

/**
 * The forecast for one node's hourly load (shares of capacity), or why there is none: never hot,
 * no hour hot often enough (or, with `method: 'cycle'`, no regular cycle).
 */
export function forecastHotspots(
  load: HourlySeries,
  o: ForecastOptions,
): { forecast: HotspotForecast } | { reason: string } {
  const peak = Math.max(0, ...load.values);
  if (peak < o.threshold)
    return {
      reason: `never hot: the highest hourly load is ${(peak * 100).toFixed(0)} % (hot from ${Math.round(o.threshold * 100)} %)`,
    };
  const hours = localHours(load, o.timezone);
  const days = [...new Set(hours.map((h) => h.day))];
  if (o.method === 'recurrent') {
    const recent = new Set(days.slice(-o.recentDays));
    const p = profile(
      hours.filter((h) => recent.has(h.day)),
      o.threshold,
    );
    const windows = runs(p.shares, p.peaks, o).map((w) => ({
      label: 'every day' as const,
      days: ALL,
      ...w,
    }));
    if (!windows.length)
      return {
        reason: `hot at times, but not at recurring hours: no hour was hot on ${Math.round(o.minShare * 100)} % of the last ${recent.size} days`,
      };
    return {
      forecast: {
        method: 'recurrent',
        cycle: 'daily',
        acf: Math.round(autocorrelation(load.values, 24) * 100) / 100,
        timezone: o.timezone,
        windows,
        days: recent.size,
      },
    };
  }
  const c = detectCycles(load);
  if (!c.cycle) return { reason: `hot at times, but at no regular time: ${c.reason}` };
  const groups: { label: HotspotWindow['label']; days: IsoDay[]; hours: LocalHour[] }[] =
    c.cycle === 'weekly'
      ? [
          { label: 'weekdays', days: WEEKDAYS, hours: hours.filter((h) => h.weekday <= 5) },
          { label: 'weekend', days: WEEKEND, hours: hours.filter((h) => h.weekday >= 6) },
        ]
      : [
          {
            label: 'every day',
            days: ALL,
            hours: hours.filter((h) => new Set(days.slice(-o.recentDays)).has(h.day)),
          },
        ];
  let windows: HotspotWindow[] = [];
  for (const g of groups) {
    const p = profile(g.hours, o.threshold);
    windows.push(...runs(p.shares, p.peaks, o).map((w) => ({ label: g.label, days: g.days, ...w })));
  }
  // Weekday and weekend windows at the same hours are one daily window.
  const wd = windows.filter((w) => w.label === 'weekdays');
  const we = windows.filter((w) => w.label === 'weekend');
  if (
    wd.length &&
    wd.length === we.length &&
    wd.every((w, i) => w.hotFrom === we[i]!.hotFrom && w.to === we[i]!.to)
  )
    windows = wd.map((w, i) => ({
      ...w,
      label: 'every day',
      days: ALL,
      share: (w.share + we[i]!.share) / 2,
      peak: Math.max(w.peak, we[i]!.peak),
    }));
  if (!windows.length)
    return {
      reason: `a ${c.cycle} cycle, but no hour was hot on ${Math.round(o.minShare * 100)} % of the days`,
    };
  const t = c.cycle === 'weekly' ? c.weekly! : c.daily!;
  return {
    forecast: {
      method: 'cycle',
      cycle: c.cycle,
      acf: Math.round(t.acf * 100) / 100,
      timezone: o.timezone,
      windows,
      days: c.cycle === 'weekly' ? days.length : Math.min(days.length, o.recentDays),
    },
  };
}

/**
 * Whether local time `t` (unix seconds) falls in a window, from its lead (`from`) or from its hot
 * start, to its end. A window's days are the days its hot part starts on: a lead that begins
 * before midnight belongs to the next day, the small hours of a hot night to the day before.
 */
export function inWindow(
  w: HotspotWindow,
  t: number,
  timezone: string,
  edge: 'from' | 'hotFrom' = 'from',
): boolean {
  const local = DateTime.fromSeconds(t, { zone: timezone });
  const minute = local.hour * 60 + local.minute;
  const day = local.weekday as IsoDay;
  const start = w[edge];
  if (start === w.to) return w.days.includes(day);
  if (start < w.to) return minute >= start && minute < w.to && w.days.includes(day);
  if (!(minute >= start || minute < w.to)) return false;
  const next = ((day % 7) + 1) as IsoDay;
  const prev = (((day + 5) % 7) + 1) as IsoDay;
  const hotAfterMidnight = w.hotFrom < start;
  const anchor = minute >= start ? (hotAfterMidnight ? next : day) : hotAfterMidnight ? day : prev;
  return w.days.includes(anchor);
}

/** "07:30 (hot from 08:00) to 11:00, weekdays (Europe/Berlin)". */
export function describeWindow(w: HotspotWindow, timezone: string): string {
  return `${clock(w.from)} (hot from ${clock(w.hotFrom)}) to ${clock(w.to)}, ${w.label} (${timezone})`;
}
