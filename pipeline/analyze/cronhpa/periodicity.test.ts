import { detectCycles, toHourly, type HourlySeries } from './periodicity.js';
import { prng } from '../../core/prng.js';

const START = Date.UTC(2026, 10, 2) / 1000; // Monday 2026-11-02 00:00 UTC
const DAYS = 14;

/** 14 days of hourly demand from f(hour index, weekday 1–7, hour of day), with ±noise. */
function gen(f: (i: number, weekday: number, hour: number) => number, noise = 0.1, seed = 7): HourlySeries {
  const r = prng(seed);
  const values = Array.from({ length: DAYS * 24 }, (_, i) => {
    const weekday = (Math.floor(i / 24) % 7) + 1;
    return Math.max(0, f(i, weekday, i % 24) * (1 + noise * (2 * r() - 1)));
  });
  return { start: START, values };
}

const officeHours = (h: number) => (h >= 9 && h < 21 ? 10 : 2);

describe('cycle detection (permutation FFT + autocorrelation peak)', () => {
  it('finds the daily 09:00–21:00 peak under noise', () => {
    const d = detectCycles(gen((_, __, h) => officeHours(h), 0.2));
    expect(d.cycle).toBe('daily');
    expect(d.daily!.confirmed).toBe(true);
    expect(d.daily!.acf).toBeGreaterThan(0.8);
  });

  it('finds a weekly cycle when weekends are quiet', () => {
    const d = detectCycles(gen((_, wd, h) => (wd >= 6 ? 2 : officeHours(h))));
    expect(d.cycle).toBe('weekly');
    expect(d.weekly!.acf).toBeGreaterThan(d.daily!.acf);
  });

  it('finds nothing in aperiodic bursts or a flat load', () => {
    const r = prng(99);
    const bursts = Array.from({ length: DAYS * 24 }, () => (r() < 0.08 ? 20 : 2));
    const b = detectCycles({ start: START, values: bursts });
    expect(b.cycle).toBeUndefined();
    const flat = detectCycles(gen(() => 5, 0.05));
    expect(flat.cycle).toBeUndefined();
    expect(flat.reason).toMatch(/^no cycle/);
  });

  it('needs two whole periods', () => {
    const short = { start: START, values: gen((_, __, h) => officeHours(h)).values.slice(0, 36) };
    expect(detectCycles(short)).toMatchObject({ reason: expect.stringMatching(/at least 2 periods/) });
    // 10 days: daily is tested, weekly is not
    const ten = { start: START, values: gen((_, __, h) => officeHours(h)).values.slice(0, 240) };
    const d = detectCycles(ten);
    expect(d.cycle).toBe('daily');
    expect(d.weekly).toBeUndefined();
  });

  it('turns a 15-minute grid with a gap into hourly means, filling the gap linearly', () => {
    const times = [0, 900, 1800, 2700, 3600 * 3, 3600 * 3 + 900];
    const h = toHourly(times, [1, 1, 3, 3, 8, 8]);
    expect(h.values).toEqual([2, 4, 6, 8]);
  });
});
