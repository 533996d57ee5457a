import { buildSchedule, clock } from './schedule.js';
import { cronDays, cronMoments, cronMomentsIn, fiveField, sixField } from './cron.js';
import type { HourlySeries } from './periodicity.js';

const START = Date.UTC(2026, 10, 2) / 1000; // Monday 2026-11-02 00:00 UTC
const hourly = (f: (weekday: number, hour: number, day: number) => number, days = 14): HourlySeries => ({
  start: START,
  values: Array.from({ length: days * 24 }, (_, i) =>
    f((Math.floor(i / 24) % 7) + 1, i % 24, Math.floor(i / 24)),
  ),
});
const opts = { timezone: 'UTC', floor: 2, leadMinutes: 30, recentDays: 7, maxJitterHours: 2 };

describe('schedules from cycles', () => {
  it('scales up 30 minutes before a 09:00–21:00 ramp and back to the floor at 21:00', () => {
    const s = buildSchedule(
      hourly((_, h) => (h >= 9 && h < 21 ? 10 : 1)),
      'daily',
      opts,
    );
    if (!('schedule' in s)) throw new Error(s.reason);
    expect(s.schedule.windows).toEqual([
      {
        label: 'every day',
        days: [1, 2, 3, 4, 5, 6, 7],
        rampStart: 540,
        rampEnd: 1260,
        upAt: 510,
        replicas: 10,
      },
    ]);
    expect(cronMoments(s.schedule).map((m) => `${m.kind} ${fiveField(m)}`)).toEqual([
      'up 30 8 * * *',
      'down 0 21 * * *',
    ]);
  });

  it('writes the schedule in the configured timezone: a Shanghai 09:00 ramp is 08:30 local', () => {
    // 09:00–21:00 Asia/Shanghai = 01:00–13:00 UTC
    const s = buildSchedule(
      hourly((_, h) => (h >= 1 && h < 13 ? 10 : 1)),
      'daily',
      { ...opts, timezone: 'Asia/Shanghai' },
    );
    if (!('schedule' in s)) throw new Error(s.reason);
    expect(s.schedule.timezone).toBe('Asia/Shanghai');
    expect(clock(s.schedule.windows[0]!.upAt)).toBe('08:30');
    expect(clock(s.schedule.windows[0]!.rampEnd)).toBe('21:00');
  });

  it('gives weekdays their own window when weekends are quiet', () => {
    const s = buildSchedule(
      hourly((wd, h) => (wd <= 5 && h >= 9 && h < 21 ? 10 : 1)),
      'weekly',
      opts,
    );
    if (!('schedule' in s)) throw new Error(s.reason);
    expect(s.schedule.windows.map((w) => w.label)).toEqual(['weekdays']);
    expect(cronMoments(s.schedule).map(fiveField)).toEqual(['30 8 * * 1-5', '0 21 * * 1-5']);
  });

  it('gives weekends a smaller, later window of their own', () => {
    const s = buildSchedule(
      hourly((wd, h) => (wd <= 5 ? (h >= 9 && h < 21 ? 10 : 1) : h >= 12 && h < 18 ? 5 : 1)),
      'weekly',
      opts,
    );
    if (!('schedule' in s)) throw new Error(s.reason);
    expect(s.schedule.windows.map((w) => [w.label, clock(w.upAt), clock(w.rampEnd), w.replicas])).toEqual([
      ['weekdays', '08:30', '21:00', 10],
      ['weekend', '11:30', '18:00', 5],
    ]);
    expect(cronMoments(s.schedule).map(fiveField)).toEqual([
      '30 8 * * 1-5',
      '30 11 * * 0,6',
      '0 18 * * 0,6',
      '0 21 * * 1-5',
    ]);
  });

  it('moves a scale-up that the lead pushes past midnight to the day before', () => {
    const s = buildSchedule(
      hourly((wd, h) => (wd <= 5 && h < 6 ? 10 : 1)),
      'weekly',
      opts,
    );
    if (!('schedule' in s)) throw new Error(s.reason);
    const lines = cronMoments(s.schedule).map((m) => `${m.kind} ${fiveField(m)}`);
    // Monday–Friday 00:00 ramps: up Sunday–Thursday 23:30
    expect(lines).toEqual(['up 30 23 * * 0-4', 'down 0 6 * * 1-5']);
  });

  it('refuses a drifting cycle: the ramp moves an hour a day', () => {
    const s = buildSchedule(
      hourly((_, h, day) => ((h - day + 48) % 24 >= 9 && (h - day + 48) % 24 < 15 ? 10 : 1)),
      'daily',
      opts,
    );
    expect(s).toEqual({ reason: expect.stringMatching(/drifts/) });
  });

  it('converts to the controller zone for Aliyun, and warns when daylight saving makes it seasonal', () => {
    const s = buildSchedule(
      hourly((_, h) => (h >= 9 && h < 21 ? 10 : 1)),
      'daily',
      opts,
    );
    if (!('schedule' in s)) throw new Error(s.reason);
    const shanghai = cronMomentsIn(s.schedule, 'Asia/Shanghai', START);
    expect(shanghai.moments.map(sixField)).toEqual(['0 30 16 * * *', '0 0 5 * * *']);
    expect(shanghai.seasonal).toBe(false);
    const berlin = cronMomentsIn(s.schedule, 'Europe/Berlin', START);
    expect(berlin.moments.map(sixField)).toEqual(['0 30 9 * * *', '0 0 22 * * *']);
    expect(berlin.seasonal).toBe(true);
  });

  it('writes cron day lists compactly', () => {
    expect(cronDays([1, 2, 3, 4, 5])).toBe('1-5');
    expect(cronDays([6, 7])).toBe('0,6');
    expect(cronDays([1, 2, 3, 4, 5, 6, 7])).toBe('*');
    expect(cronDays([7, 1, 2, 3, 4])).toBe('0-4');
    expect(cronDays([1, 3])).toBe('1,3');
  });
});
