/**
 * Scaling windows → cron lines. Up and down moments are computed per weekday (a lead that crosses
 * midnight moves the scale-up to the day before) and grouped back into day-of-week lists.
 * Aliyun's controller has no timezone field and runs in its own zone, so its moments are
 * converted to that zone, with a warning when daylight saving makes the conversion seasonal.
 */
import { DateTime } from 'luxon';
import type { IsoDay, Schedule, ScalingWindow } from './schedule.js';

export interface CronMoment {
  kind: 'up' | 'down';
  window: ScalingWindow;
  /** Cron day-of-week list (0 = Sunday), '*' for every day. */
  dow: string;
  minute: number;
  hour: number;
}

interface Moment {
  kind: 'up' | 'down';
  window: ScalingWindow;
  day: IsoDay;
  minutes: number;
}

function moments(w: ScalingWindow): Moment[] {
  const out: Moment[] = [];
  for (const d of w.days) {
    out.push({ kind: 'up', window: w, day: w.upAt > w.rampStart ? prev(d) : d, minutes: w.upAt });
    out.push({ kind: 'down', window: w, day: w.rampEnd <= w.rampStart ? next(d) : d, minutes: w.rampEnd });
  }
  return out;
}

const prev = (d: IsoDay): IsoDay => (d === 1 ? 7 : d - 1) as IsoDay;
const next = (d: IsoDay): IsoDay => (d === 7 ? 1 : d + 1) as IsoDay;

/** Cron lines in the schedule's own timezone (KEDA, Crane and tkestack take a zone or run in it). */
export function cronMoments(s: Schedule): CronMoment[] {
  return group(s.windows.flatMap(moments));
}

/**
 * The same moments in the controller's zone, for Aliyun's CronHPA. `reference` fixes the week
 * used for the conversion; `seasonal` is set when the offset between the zones changes in the year.
 */
export function cronMomentsIn(
  s: Schedule,
  controllerZone: string,
  reference: number,
): { moments: CronMoment[]; seasonal: boolean } {
  const monday = DateTime.fromSeconds(reference, { zone: s.timezone }).startOf('week');
  const converted = s.windows.flatMap(moments).map((m) => {
    const local = monday.plus({ days: m.day - 1, minutes: m.minutes });
    const there = local.setZone(controllerZone);
    return { ...m, day: there.weekday as IsoDay, minutes: there.hour * 60 + there.minute };
  });
  return { moments: group(converted), seasonal: offsetChanges(s.timezone, controllerZone, reference) };
}

function offsetChanges(a: string, b: string, reference: number): boolean {
  const year = DateTime.fromSeconds(reference, { zone: 'UTC' }).year;
  const diff = (month: number) => {
    const t = DateTime.fromObject({ year, month, day: 15 }, { zone: 'UTC' });
    return t.setZone(a).offset - t.setZone(b).offset;
  };
  return diff(1) !== diff(7);
}

function group(list: Moment[]): CronMoment[] {
  const by = new Map<string, { m: Moment; days: Set<IsoDay> }>();
  for (const m of list) {
    const key = `${m.kind}|${m.window.label}|${m.minutes}`;
    const g = by.get(key) ?? { m, days: new Set<IsoDay>() };
    g.days.add(m.day);
    by.set(key, g);
  }
  return [...by.values()]
    .map(({ m, days }) => ({
      kind: m.kind,
      window: m.window,
      dow: cronDays([...days]),
      hour: Math.floor(m.minutes / 60),
      minute: m.minutes % 60,
    }))
    .sort((x, y) =>
      x.kind === y.kind ? x.hour * 60 + x.minute - (y.hour * 60 + y.minute) : x.kind === 'up' ? -1 : 1,
    );
}

/** ISO weekdays → cron day-of-week (0 = Sunday), ranges compressed; every day is '*'. */
export function cronDays(days: IsoDay[]): string {
  const set = [...new Set(days.map((d) => d % 7))].sort((a, b) => a - b);
  if (set.length === 7) return '*';
  const parts: string[] = [];
  for (let i = 0; i < set.length;) {
    let j = i;
    while (j + 1 < set.length && set[j + 1] === set[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${set[i]}-${set[j]}` : set.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

export const fiveField = (m: CronMoment): string => `${m.minute} ${m.hour} * * ${m.dow}`;
export const sixField = (m: CronMoment): string => `0 ${m.minute} ${m.hour} * * ${m.dow}`;
