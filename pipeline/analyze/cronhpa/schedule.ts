/**
 * A confirmed cycle becomes scaling windows in an explicit timezone: scale up a warm-up lead
 * before the ramp, back to the floor after it. Weekdays and weekends get their own windows when
 * they differ. Windows are then written as cron lines for each form (cron.ts).
 */
import { DateTime } from 'luxon';
import { ceilSafe, percentile } from '../../core/stats.js';
import type { HourlySeries } from './periodicity.js';

/** ISO weekdays: 1 = Monday … 7 = Sunday. */
export type IsoDay = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface ScalingWindow {
  label: 'every day' | 'weekdays' | 'weekend';
  days: IsoDay[];
  /** Local minutes after midnight when the ramp starts and ends (end may be ≤ start: past midnight). */
  rampStart: number;
  rampEnd: number;
  /** Scale-up time = rampStart − lead. */
  upAt: number;
  replicas: number;
}

export interface Schedule {
  timezone: string;
  floor: number;
  leadMinutes: number;
  windows: ScalingWindow[];
}

export interface ScheduleOptions {
  timezone: string;
  /** The HPA floor the schedule returns to. */
  floor: number;
  leadMinutes: number;
  /** Days of the most recent history that shape a daily schedule (a drifting cycle uses its latest form). */
  recentDays: number;
  /** Ramp start times that spread more than this over the recent days mean the cycle drifts. */
  maxJitterHours: number;
}

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

/**
 * Replica demand (hourly) → windows. Returns a reason instead when the cycle would make a bad
 * schedule: demand never rises over the floor, or the ramp drifts from day to day.
 */
export function buildSchedule(
  demand: HourlySeries,
  cycle: 'daily' | 'weekly',
  o: ScheduleOptions,
): { schedule: Schedule } | { reason: string } {
  const hours = localHours(demand, o.timezone);
  const groups: { label: ScalingWindow['label']; days: IsoDay[]; hours: LocalHour[] }[] =
    cycle === 'weekly'
      ? [
          { label: 'weekdays', days: WEEKDAYS, hours: hours.filter((x) => x.weekday <= 5) },
          { label: 'weekend', days: WEEKEND, hours: hours.filter((x) => x.weekday >= 6) },
        ]
      : [{ label: 'every day', days: ALL, hours: lastDays(hours, o.recentDays) }];
  const windows: ScalingWindow[] = [];
  const notes: string[] = [];
  for (const g of groups) {
    const w = windowOf(g.hours, o);
    if ('reason' in w) {
      notes.push(`${g.label}: ${w.reason}`);
      continue;
    }
    windows.push({ label: g.label, days: g.days, ...w });
  }
  // Weekday and weekend windows that agree are one daily window.
  if (windows.length === 2 && similar(windows[0]!, windows[1]!))
    windows.splice(0, 2, {
      ...windows[0]!,
      label: 'every day',
      days: ALL,
      replicas: Math.max(windows[0]!.replicas, windows[1]!.replicas),
    });
  if (!windows.length) return { reason: notes.join('; ') };
  return { schedule: { timezone: o.timezone, floor: o.floor, leadMinutes: o.leadMinutes, windows } };
}

function lastDays(hours: LocalHour[], n: number): LocalHour[] {
  const days = [...new Set(hours.map((h) => h.day))].slice(-n);
  const keep = new Set(days);
  return hours.filter((h) => keep.has(h.day));
}

function windowOf(
  hours: LocalHour[],
  o: ScheduleOptions,
): Omit<ScalingWindow, 'label' | 'days'> | { reason: string } {
  const byHour: number[][] = Array.from({ length: 24 }, () => []);
  for (const h of hours) byHour[h.hour]!.push(h.value);
  // P90 across days of each local hour: the level a schedule should be ready for.
  const profile = byHour.map((v) => (v.length ? percentile(v, 0.9) : 0));
  const high = Math.max(...profile);
  if (high <= o.floor)
    return { reason: `demand (${high.toFixed(1)} replicas) never rises over the floor ${o.floor}` };
  const threshold = o.floor + (high - o.floor) / 2;
  const peakHour = profile.indexOf(high);
  // The run of hours over the threshold around the peak, wrapping past midnight.
  let start = peakHour;
  while (profile[(start + 23) % 24]! >= threshold && (start + 23) % 24 !== peakHour)
    start = (start + 23) % 24;
  let end = peakHour;
  while (profile[(end + 1) % 24]! >= threshold && (end + 1) % 24 !== start) end = (end + 1) % 24;
  const inWindow: number[] = [];
  for (let k = start; ; k = (k + 1) % 24) {
    inWindow.push(profile[k]!);
    if (k === end) break;
  }
  if (inWindow.length >= 23)
    return { reason: 'demand stays high around the clock: an HPA floor, not a schedule' };
  const replicas = ceilSafe(percentile(inWindow, 0.5));
  if (replicas <= o.floor)
    return { reason: `the peak's median demand (${replicas}) does not exceed the floor ${o.floor}` };
  const jitter = rampJitter(hours, threshold, start, o.recentDays);
  if (jitter > o.maxJitterHours)
    return {
      reason: `the ramp drifts: it started within a ${jitter} h spread over the last ${o.recentDays} days (more than ${o.maxJitterHours} h), so no fixed time fits`,
    };
  const rampStart = start * 60;
  const rampEnd = ((end + 1) % 24) * 60;
  return { rampStart, rampEnd, upAt: (rampStart - o.leadMinutes + 1440) % 1440, replicas };
}

/**
 * Spread (hours) of the day-by-day ramp: for each recent day, the rising edge over the threshold
 * closest to the usual ramp hour, as a signed distance from it. A steady cycle spreads an hour at most.
 */
function rampJitter(hours: LocalHour[], threshold: number, usual: number, recentDays: number): number {
  const days = [...new Set(hours.map((h) => h.day))].slice(-recentDays);
  const keep = new Set(days);
  const distances = new Map<string, number>();
  for (let i = 1; i < hours.length; i++) {
    const h = hours[i]!;
    if (!keep.has(h.day) || !(hours[i - 1]!.value < threshold && h.value >= threshold)) continue;
    let d = h.hour - usual;
    if (d > 12) d -= 24;
    if (d < -12) d += 24;
    const best = distances.get(h.day);
    if (best === undefined || Math.abs(d) < Math.abs(best)) distances.set(h.day, d);
  }
  const list = [...distances.values()];
  if (list.length < 2) return 0;
  return Math.max(...list) - Math.min(...list);
}

function similar(a: ScalingWindow, b: ScalingWindow): boolean {
  return (
    Math.abs(a.rampStart - b.rampStart) <= 60 &&
    Math.abs(a.rampEnd - b.rampEnd) <= 60 &&
    Math.abs(a.replicas - b.replicas) <= Math.max(1, 0.2 * Math.max(a.replicas, b.replicas))
  );
}

export function clock(minutes: number): string {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}
