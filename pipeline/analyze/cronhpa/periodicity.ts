/**
 * Daily and weekly cycle detection in a demand series, after Crane's DSP test (recommenders.md
 * §3.4): the cycle's spectral amplitude must beat what shuffled copies of the same samples reach
 * (a permutation test, so noise and bursts cannot pass), and the autocorrelation must peak at
 * the period. Crane reports a cycle only at exactly 24 h or 168 h; so do we. Works on hourly means,
 * so 14 days are 336 points.
 */
import FFT from 'fft.js';
import { prng } from '../../core/prng.js';

export interface HourlySeries {
  /** Unix seconds of the first hour (aligned to the hour). */
  start: number;
  values: number[];
}

export interface PeriodTest {
  period: 'daily' | 'weekly';
  hours: number;
  /** |DFT| at the cycle's frequency over the permutation threshold (> 1 passes). */
  spectralRatio: number;
  /** Autocorrelation at the period lag, -1…1: the cycle's strength. */
  acf: number;
  /** The autocorrelation has a local peak at the lag (left slope up, right slope down). */
  acfPeak: boolean;
  confirmed: boolean;
}

export interface CycleDetection {
  daily?: PeriodTest;
  weekly?: PeriodTest;
  /** The strongest confirmed cycle, if any. */
  cycle?: 'daily' | 'weekly';
  reason: string;
}

export interface DetectOptions {
  shuffles: number;
  /** Rank of the shuffled maxima used as threshold: 0.99 = the 99th of 100 (Crane). */
  thresholdQuantile: number;
  minAcf: number;
  seed: number;
}

export const DETECT_DEFAULTS: DetectOptions = {
  shuffles: 100,
  thresholdQuantile: 0.99,
  minAcf: 0.5,
  seed: 20261201,
};

/** Hourly means from a regular grid; gaps (NaN) are filled by linear interpolation, as Crane does. */
export function toHourly(times: number[], values: number[]): HourlySeries {
  if (!times.length) return { start: 0, values: [] };
  const start = Math.floor(times[0]! / 3600) * 3600;
  const n = Math.floor((times.at(-1)! - start) / 3600) + 1;
  const sum = new Float64Array(n);
  const cnt = new Uint32Array(n);
  for (let i = 0; i < times.length; i++) {
    const k = Math.floor((times[i]! - start) / 3600);
    sum[k]! += values[i]!;
    cnt[k]!++;
  }
  const out = Array.from(sum, (s, k) => (cnt[k] ? s / cnt[k]! : NaN));
  return { start, values: interpolate(out) };
}

function interpolate(v: number[]): number[] {
  const out = [...v];
  let last = -1;
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i]!)) continue;
    if (last >= 0 && i - last > 1)
      for (let j = last + 1; j < i; j++)
        out[j] = out[last]! + ((out[i]! - out[last]!) * (j - last)) / (i - last);
    else if (last < 0) for (let j = 0; j < i; j++) out[j] = out[i]!;
    last = i;
  }
  for (let j = last + 1; j < out.length; j++) out[j] = out[last]!;
  return out;
}

export function detectCycles(h: HourlySeries, o: DetectOptions = DETECT_DEFAULTS): CycleDetection {
  const days = Math.floor(h.values.length / 24);
  if (days < 2)
    return { reason: `${days} whole day(s) of demand: at least 2 periods are needed to see a cycle` };
  const daily = testPeriod(h.values, 24, o);
  const weekly = days >= 14 ? testPeriod(h.values, 168, o) : undefined;
  // A weekly cycle adds something only when it explains more than the daily one (weekday/weekend).
  const cycle =
    weekly?.confirmed && (!daily.confirmed || weekly.acf > daily.acf + 0.05)
      ? 'weekly'
      : daily.confirmed
        ? 'daily'
        : undefined;
  const show = (t?: PeriodTest) =>
    t
      ? `${t.period}: spectrum ${t.spectralRatio.toFixed(2)}× the shuffled threshold, autocorrelation ${t.acf.toFixed(2)}${t.acfPeak ? ' (a peak)' : ' (no peak)'}`
      : 'weekly: fewer than 14 days, not tested';
  return {
    daily,
    ...(weekly ? { weekly } : {}),
    ...(cycle ? { cycle } : {}),
    reason: `${cycle ? `${cycle} cycle confirmed` : 'no cycle'} — ${show(daily)}; ${show(weekly)}`,
  };
}

function testPeriod(all: number[], period: number, o: DetectOptions): PeriodTest {
  // Whole periods only, the most recent ones: the frequency then falls exactly on a DFT bin.
  const n = Math.floor(all.length / period) * period;
  const x = standardize(all.slice(all.length - n));
  const k = n / period;
  const amp = dftAmplitude(x, k);
  const threshold = shuffledThreshold(x, o);
  const acf = circularAcf(x);
  const r = Math.max(2, Math.min(4, Math.floor(period / 2)));
  const acfPeak = slope(acf, period - r, period) > 0 && slope(acf, period, period + r) < 0;
  const spectralRatio = threshold > 0 ? amp / threshold : 0;
  return {
    period: period === 24 ? 'daily' : 'weekly',
    hours: period,
    spectralRatio,
    acf: acf[period] ?? 0,
    acfPeak,
    confirmed: spectralRatio > 1 && acfPeak && (acf[period] ?? 0) >= o.minAcf,
  };
}

function standardize(v: number[]): number[] {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return v.map((x) => (sd > 1e-12 ? (x - mean) / sd : 0));
}

function dftAmplitude(x: number[], k: number): number {
  let re = 0;
  let im = 0;
  const w = (2 * Math.PI * k) / x.length;
  for (let i = 0; i < x.length; i++) {
    re += x[i]! * Math.cos(w * i);
    im -= x[i]! * Math.sin(w * i);
  }
  return Math.hypot(re, im);
}

/**
 * The amplitude noise reaches: shuffle the samples (destroying any order), take the largest
 * spectral amplitude of each shuffle, and keep the given quantile of those maxima. Zero padding
 * to a power of two samples the same spectrum more finely, so the maxima are if anything higher.
 */
function shuffledThreshold(x: number[], o: DetectOptions): number {
  const size = 1 << Math.ceil(Math.log2(Math.max(2, x.length)));
  const fft = new FFT(size);
  const input = new Array<number>(size).fill(0);
  const out = fft.createComplexArray() as number[];
  const rand = prng(o.seed);
  const maxima: number[] = [];
  const buf = [...x];
  // Bins below 2 cycles per window are trends, not cycles (Crane starts at k = 2).
  const first = Math.ceil((2 * size) / x.length);
  for (let s = 0; s < o.shuffles; s++) {
    for (let i = buf.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [buf[i], buf[j]] = [buf[j]!, buf[i]!];
    }
    for (let i = 0; i < size; i++) input[i] = i < buf.length ? buf[i]! : 0;
    fft.realTransform(out, input);
    let max = 0;
    for (let k = first; k <= size / 2; k++) max = Math.max(max, Math.hypot(out[2 * k]!, out[2 * k + 1]!));
    maxima.push(max);
  }
  maxima.sort((a, b) => a - b);
  return maxima[Math.min(maxima.length - 1, Math.floor(o.thresholdQuantile * maxima.length) - 1)]!;
}

/** Circular autocorrelation of a standardized series, every lag (symmetric about n/2). */
function circularAcf(x: number[]): number[] {
  const n = x.length;
  const out: number[] = [];
  for (let lag = 0; lag < n; lag++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i]! * x[(i + lag) % n]!;
    out.push(s / n);
  }
  return out;
}

/** Least-squares slope of acf over [from, to]. */
function slope(acf: number[], from: number, to: number): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = Math.max(0, from); i <= Math.min(acf.length - 1, to); i++) {
    xs.push(i);
    ys.push(acf[i]!);
  }
  if (xs.length < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}
