/**
 * The hotspot forecast on series whose hot hours are set by hand, so every window, share and peak
 * below is read off the series' definition.
 */
import { prng } from '../../core/prng.js';
import type { HourlySeries } from '../cronhpa/periodicity.js';
import { HOTSPOT_DEFAULTS } from './args.js';
import { describeWindow, forecastHotspots, inWindow, type HotspotWindow } from './forecast.js';

/** Monday 5 January 2026, 00:00 UTC. */
const MONDAY = Date.UTC(2026, 0, 5) / 1000;

/** The cycle-tested forecast, with the settings it shipped with (7 days, half of them). */
const options = {
  threshold: 0.8,
  leadMinutes: 30,
  recentDays: 7,
  minShare: 0.5,
  method: 'cycle' as const,
  timezone: 'UTC',
};
/** The default: hot on 2 of the last 5 days (0.4 of 5), no cycle test. */
const recurrent = { ...HOTSPOT_DEFAULTS, timezone: 'UTC' };

/** `days` days from MONDAY; `load(day, hour)` per UTC hour (day 0 is a Monday). */
function series(days: number, load: (day: number, hour: number) => number): HourlySeries {
  const values: number[] = [];
  for (let d = 0; d < days; d++) for (let h = 0; h < 24; h++) values.push(load(d, h));
  return { start: MONDAY, values };
}

/** A smooth daily swing (0.2 at night, 0.6 around noon) so the cycle is there on any day. */
const base = (h: number): number => 0.4 - 0.2 * Math.cos(((h - 2) * 2 * Math.PI) / 24);

function forecastOf(s: HourlySeries, o = options) {
  const f = forecastHotspots(s, o);
  if (!('forecast' in f)) throw new Error(`expected a forecast: ${f.reason}`);
  return f.forecast;
}

describe('forecastHotspots, recurrent hours (the default)', () => {
  /** Flat 30 % load; `hot(day, hour)` names the hours at 90 %, or a load of its own. */
  const flat = (hot: (d: number, h: number) => number | boolean) =>
    series(14, (d, h) => {
      const x = hot(d, h);
      return x === true ? 0.9 : x === false ? 0.3 : x;
    });

  it('the defaults are a same-hour vote: 2 of the last 5 days', () => {
    expect([recurrent.method, recurrent.recentDays, recurrent.minShare]).toEqual(['recurrent', 5, 0.4]);
  });

  it('hot at 14:00 on 2 of the last 5 days (days 9 and 12), no cycle: a window from 13:30 to 15:00, hot on 40 %', () => {
    // 03:00 was hot on days 2 and 5 too, but those are not among the last 5 (days 9…13).
    const s = flat((d, h) => (h === 14 && (d === 9 || d === 12)) || (h === 3 && (d === 2 || d === 5)));
    const r = forecastHotspots(s, recurrent);
    if (!('forecast' in r)) throw new Error(r.reason);
    expect(r.forecast.method).toBe('recurrent');
    expect(r.forecast.cycle).toBe('daily');
    expect(r.forecast.days).toBe(5);
    expect(r.forecast.windows).toEqual([
      {
        label: 'every day',
        days: [1, 2, 3, 4, 5, 6, 7],
        from: 810,
        hotFrom: 840,
        to: 900,
        share: 0.4,
        peak: 0.9,
      },
    ]);
    // The cycle test sees four spikes on a flat line: no regular time, no forecast.
    const c = forecastHotspots(s, options);
    expect('reason' in c && c.reason).toMatch(/^hot at times, but at no regular time/);
  });

  it('a hot hour that drifts by one (10:00 on days 9 and 11, 11:00 on days 12 and 13) is one window 10:00–12:00', () => {
    const s = flat((d, h) =>
      h === 10 && (d === 9 || d === 11) ? 0.85 : h === 11 && (d === 12 || d === 13) ? 0.95 : false,
    );
    const r = forecastHotspots(s, recurrent);
    if (!('forecast' in r)) throw new Error(r.reason);
    // Each hour hot on 2 of 5 days: share (0.4 + 0.4) / 2; peak the higher of 0.85 and 0.95.
    expect(r.forecast.windows.map((w) => [w.from, w.hotFrom, w.to, w.share, w.peak])).toEqual([
      [570, 600, 720, 0.4, 0.95],
    ]);
  });

  it('the same day 14 times over (hot 14:00–15:00): hot on 5 of 5, autocorrelation at a day 13/14', () => {
    // Non-circular: 13 of the 14 days have a day after them, each an exact copy, so 13/14 = 0.93.
    const r = forecastHotspots(
      flat((_d, h) => h === 14),
      recurrent,
    );
    if (!('forecast' in r)) throw new Error(r.reason);
    expect(r.forecast.acf).toBe(0.93);
    expect(r.forecast.windows.map((w) => [w.from, w.hotFrom, w.to, w.share])).toEqual([[810, 840, 900, 1]]);
  });

  it('hot on 1 of the last 5 days only (14:00, day 13): no window, and says why', () => {
    const r = forecastHotspots(
      flat((d, h) => h === 14 && d === 13),
      recurrent,
    );
    expect(r).toEqual({
      reason: 'hot at times, but not at recurring hours: no hour was hot on 40 % of the last 5 days',
    });
  });

  it('a load at exactly the threshold counts as hot (0.8 at 14:00 on days 10 and 11)', () => {
    const r = forecastHotspots(
      flat((d, h) => (h === 14 && (d === 10 || d === 11) ? 0.8 : false)),
      recurrent,
    );
    expect('forecast' in r && r.forecast.windows.map((w) => [w.hotFrom, w.to])).toEqual([[840, 900]]);
  });
});

describe('forecastHotspots, after the cycle test (method: cycle)', () => {
  it('a node hot 09:00–11:00 every day: one window from 08:30, every hour hot on all 7 recent days', () => {
    const f = forecastOf(series(14, (_d, h) => (h === 9 || h === 10 ? 0.9 : base(h))));
    expect(f.cycle).toBe('daily');
    expect(f.days).toBe(7);
    expect(f.windows).toEqual([
      {
        label: 'every day',
        days: [1, 2, 3, 4, 5, 6, 7],
        from: 510,
        hotFrom: 540,
        to: 660,
        share: 1,
        peak: 0.9,
      },
    ]);
    expect(describeWindow(f.windows[0]!, 'UTC')).toBe('08:30 (hot from 09:00) to 11:00, every day (UTC)');
  });

  it('an hour is forecast only when hot on minShare of the recent days: 09:00 on 4 of 7 yes, 10:00 on 3 of 7 no', () => {
    // The last 7 days are days 7…13. 09:00 runs hot (0.85) on days 7, 9, 11, 13; 10:00 on 8, 10, 12.
    const f = forecastOf(
      series(14, (d, h) => {
        if (h === 9 && d >= 7 && d % 2 === 1) return 0.85;
        if (h === 10 && d >= 7 && d % 2 === 0) return 0.85;
        return h === 9 || h === 10 ? 0.7 : base(h);
      }),
    );
    expect(f.windows).toHaveLength(1);
    const w = f.windows[0]!;
    expect([w.from, w.hotFrom, w.to]).toEqual([510, 540, 600]);
    expect(w.share).toBeCloseTo(4 / 7, 12);
    expect(w.peak).toBe(0.85);
    // At 3 of 7 (0.43) a lower bar lets 10:00 in: share is the mean of 4/7 and 3/7.
    const lower = forecastOf(
      series(14, (d, h) =>
        (h === 9 && d % 2 === 1) || (h === 10 && d % 2 === 0 && d >= 7)
          ? 0.85
          : h === 9 || h === 10
            ? 0.7
            : base(h),
      ),
      {
        ...options,
        minShare: 0.4,
      },
    );
    expect(lower.windows.map((x) => [x.hotFrom, x.to])).toEqual([[540, 660]]);
    expect(lower.windows[0]!.share).toBeCloseTo((4 / 7 + 3 / 7) / 2, 12);
  });

  it('a hot run across midnight stays one window (23:00–01:00, lead from 22:30)', () => {
    const f = forecastOf(series(14, (_d, h) => (h === 23 || h === 0 ? 0.95 : base(h))));
    expect(f.windows.map((w) => [w.from, w.hotFrom, w.to, w.share])).toEqual([[1350, 1380, 60, 1]]);
  });

  it('two hot runs a day are two windows, in clock order', () => {
    const f = forecastOf(series(14, (_d, h) => (h === 3 || h === 14 || h === 15 ? 0.9 : base(h))));
    expect(f.windows.map((w) => [w.hotFrom, w.to])).toEqual([
      [180, 240],
      [840, 960],
    ]);
  });

  it('windows are written in the cluster timezone: 08:00 UTC in January is 09:00 in Berlin', () => {
    const f = forecastOf(
      series(14, (_d, h) => (h === 8 ? 0.9 : base(h))),
      { ...options, timezone: 'Europe/Berlin' },
    );
    expect(f.timezone).toBe('Europe/Berlin');
    expect(f.windows.map((w) => [w.from, w.hotFrom, w.to])).toEqual([[510, 540, 600]]);
  });

  it('hot on weekdays only (09:00–12:00), over 4 weeks: a weekly cycle with a weekday window and none at the weekend', () => {
    const f = forecastOf(
      series(28, (d, h) => (d % 7 < 5 && h >= 9 && h < 12 ? 0.9 : d % 7 < 5 ? base(h) : 0.15)),
    );
    expect(f.cycle).toBe('weekly');
    expect(f.days).toBe(28);
    expect(f.windows).toEqual([
      { label: 'weekdays', days: [1, 2, 3, 4, 5], from: 510, hotFrom: 540, to: 720, share: 1, peak: 0.9 },
    ]);
  });

  it('never hot: no forecast, and says how high the load went', () => {
    const f = forecastHotspots(
      series(14, (_d, h) => base(h)),
      options,
    );
    expect(f).toEqual({ reason: 'never hot: the highest hourly load is 60 % (hot from 80 %)' });
  });

  it('hot at random hours: no regular time, so no forecast', () => {
    const rnd = prng(7);
    const f = forecastHotspots(
      series(14, () => (rnd() < 0.05 ? 0.95 : 0.3 + 0.1 * rnd())),
      options,
    );
    expect('reason' in f && f.reason).toMatch(/^hot at times, but at no regular time: no cycle/);
  });

  it('a daily cycle whose peak is hot on too few days: no window, and says why', () => {
    // Hot at 10:00 on 2 of the last 7 days (days 8 and 12) only.
    const f = forecastHotspots(
      series(14, (d, h) => (h === 10 && (d === 8 || d === 12) ? 0.9 : h === 10 ? 0.7 : base(h))),
      options,
    );
    expect(f).toEqual({ reason: 'a daily cycle, but no hour was hot on 50 % of the days' });
  });
});

describe('inWindow', () => {
  const at = (isoLocal: string) => Date.parse(`${isoLocal}Z`) / 1000;
  // Weekdays, lead from 22:30, hot 23:00 to 01:00: Monday's window runs Monday 22:30 to Tuesday 01:00.
  const night: HotspotWindow = {
    label: 'weekdays',
    days: [1, 2, 3, 4, 5],
    from: 1350,
    hotFrom: 1380,
    to: 60,
    share: 1,
    peak: 0.9,
  };

  it('counts a window from its lead to its end, on the days its hot part starts', () => {
    expect(inWindow(night, at('2026-01-05T22:40:00'), 'UTC')).toBe(true); // Monday, in the lead
    expect(inWindow(night, at('2026-01-05T22:40:00'), 'UTC', 'hotFrom')).toBe(false); // not hot yet
    expect(inWindow(night, at('2026-01-05T23:10:00'), 'UTC', 'hotFrom')).toBe(true);
    expect(inWindow(night, at('2026-01-10T00:30:00'), 'UTC')).toBe(true); // Saturday 00:30: Friday's window
    expect(inWindow(night, at('2026-01-05T00:30:00'), 'UTC')).toBe(false); // Monday 00:30: Sunday's
    expect(inWindow(night, at('2026-01-04T23:10:00'), 'UTC')).toBe(false); // Sunday night
    expect(inWindow(night, at('2026-01-06T01:00:00'), 'UTC')).toBe(false); // the end is open
  });

  it('a lead that begins before midnight belongs to the next day’s window', () => {
    const early: HotspotWindow = { ...night, days: [1], from: 1410, hotFrom: 0, to: 120 };
    expect(inWindow(early, at('2026-01-04T23:45:00'), 'UTC')).toBe(true); // Sunday 23:45, Monday's lead
    expect(inWindow(early, at('2026-01-05T23:45:00'), 'UTC')).toBe(false); // Monday 23:45: Tuesday's
    expect(inWindow(early, at('2026-01-05T01:30:00'), 'UTC')).toBe(true);
    expect(inWindow(early, at('2026-01-06T01:30:00'), 'UTC')).toBe(false);
  });

  it('reads the clock in the window’s timezone', () => {
    const morning: HotspotWindow = { ...night, from: 510, hotFrom: 540, to: 600 };
    // 08:00 UTC on a Monday in January is 09:00 in Berlin.
    expect(inWindow(morning, at('2026-01-05T08:00:00'), 'Europe/Berlin', 'hotFrom')).toBe(true);
    expect(inWindow(morning, at('2026-01-05T08:00:00'), 'UTC', 'hotFrom')).toBe(false);
  });
});
