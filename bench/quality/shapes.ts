/**
 * Usage series with known shapes for the quality benchmark, from fixed seeds: steady, diurnal,
 * weekly, bursty, rare large spikes, a step change mid-window, slow memory growth, a leak with
 * restarts, batch-like on/off, and mixtures. Values per native sample (60 s or 300 s):
 * CPU in cores, memory in bytes.
 */
import { prng } from '../../pipeline/core/prng.js';
export type Shape =
  'steady' | 'diurnal' | 'weekly' | 'bursty' | 'spikes' | 'step' | 'growth' | 'leak' | 'onoff' | 'mixture';
export const SHAPES: Shape[] = [
  'steady',
  'diurnal',
  'weekly',
  'bursty',
  'spikes',
  'step',
  'growth',
  'leak',
  'onoff',
  'mixture',
];

export interface Workload {
  id: string;
  /** 'real': a VM of the real trace (bench/quality/real/). */
  shape: Shape | 'real';
  /** Native sample spacing in seconds. */
  step: number;
  days: number;
  /** NaN marks a gap (real traces only). Real memory is kept in float64: bytes exceed float32's integers. */
  cpu: Float32Array;
  mem: Float32Array | Float64Array;
  /** Requests a human set (the "provisioned" baseline and everyone's starting point). */
  provisioned: { cpu: number; mem: number };
}

const MiB = 2 ** 20;

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
}

export function generateWorkload(seed: number, shape: Shape, step: number, days: number): Workload {
  const r = prng(seed);
  const n = Math.floor((days * 86400) / step);
  const cpu = new Float32Array(n);
  const mem = new Float32Array(n);
  const base = 0.05 + r() * 1.2; // cores
  const memBase = (120 + r() * 1800) * MiB;
  const peakHour = 8 + r() * 12;
  const amp = 0.5 + r() * 2.5;
  const noise = 0.05 + r() * 0.15;
  const stepDay = Math.floor(days * (0.4 + r() * 0.3));
  const stepFactor = 1.25 + r() * 0.6;
  const growthPerDay = 0.004 + r() * 0.02;
  const leakHours = 10 + r() * 60;
  const spikeEvery = (2 + r() * 4) * 86400;
  const burstEvery = (30 + r() * 150) * 60;
  const onHours: [number, number][] = [[1 + Math.floor(r() * 3), 3 + Math.floor(r() * 3)]];
  let nextSpike = spikeEvery * r();
  let spikeLeft = 0;
  let nextBurst = burstEvery * r();
  let burstLeft = 0;
  let leakStart = 0;
  for (let i = 0; i < n; i++) {
    const t = i * step;
    const hour = (t / 3600) % 24;
    const dow = Math.floor(t / 86400) % 7;
    const wave = Math.pow(0.5 + 0.5 * Math.cos(((hour - peakHour) / 24) * 2 * Math.PI), 2);
    let c = base;
    let m = memBase;
    const diurnal = (): void => {
      c = base * (1 + amp * wave);
      m = memBase * (1 + 0.25 * wave);
    };
    switch (shape) {
      case 'steady':
        break;
      case 'diurnal':
        diurnal();
        break;
      case 'weekly':
        diurnal();
        if (dow >= 5) {
          c *= 0.35;
          m *= 0.85;
        }
        break;
      case 'bursty':
        if (t >= nextBurst) {
          burstLeft = (5 + r() * 20) * 60;
          nextBurst = t + burstEvery * (0.5 + r());
        }
        if (burstLeft > 0) {
          c = base * (2 + amp);
          m = memBase * 1.3;
          burstLeft -= step;
        }
        break;
      case 'spikes':
        diurnal();
        if (t >= nextSpike) {
          spikeLeft = (3 + r() * 10) * 60;
          nextSpike = t + spikeEvery * (0.5 + r());
        }
        if (spikeLeft > 0) {
          c *= 3;
          m *= 1.25;
          spikeLeft -= step;
        }
        break;
      case 'step':
        diurnal();
        if (t >= stepDay * 86400) {
          c *= stepFactor;
          m *= 1 + (stepFactor - 1) * 0.5;
        }
        break;
      case 'growth':
        m = memBase * (1 + growthPerDay * (t / 86400));
        c = base * (1 + 0.5 * wave);
        break;
      case 'leak': {
        const hours = (t - leakStart) / 3600;
        m = memBase * (1 + 0.6 * (hours / leakHours));
        if (hours >= leakHours) leakStart = t; // the app restarts itself (a crash loop under a limit)
        c = base * (1 + 0.3 * wave);
        break;
      }
      case 'onoff':
        if (onHours.some(([a, b]) => hour >= a && hour < b)) {
          c = base * (3 + amp);
          m = memBase * 2;
        } else {
          c = base * 0.05;
          m = memBase * 0.4;
        }
        break;
      case 'mixture':
        diurnal();
        m *= 1 + growthPerDay * 0.5 * (t / 86400);
        if (t >= nextBurst) {
          burstLeft = (5 + r() * 10) * 60;
          nextBurst = t + burstEvery * 2 * (0.5 + r());
        }
        if (burstLeft > 0) {
          c *= 2.5;
          burstLeft -= step;
        }
        break;
    }
    cpu[i] = Math.max(0.001, c * (1 + noise * gauss(r)));
    mem[i] = Math.max(16 * MiB, m * (1 + 0.2 * noise * gauss(r)));
  }
  // A human's requests: usually well above the peak of the first week, sometimes below it.
  const firstWeek = Math.floor((7 * 86400) / step);
  const peak = (a: Float32Array): number => {
    let v = 0;
    for (let i = 0; i < Math.min(firstWeek, a.length); i++) v = Math.max(v, a[i]!);
    return v;
  };
  const over = 0.8 + r() * 2.7;
  return {
    id: `${shape}-${seed}`,
    shape,
    step,
    days,
    cpu,
    mem,
    provisioned: {
      cpu: Math.ceil((peak(cpu) * over * 1000) / 50) * 50,
      mem: Math.ceil((peak(mem) * Math.max(1.1, over)) / (64 * MiB)) * 64 * MiB,
    },
  };
}

/** A named set of workloads: the tuning set and the frozen held-out set use different seeds. */
export function workloadSet(set: 'tune' | 'holdout', count: number, days: number): Workload[] {
  const base = set === 'tune' ? 1000 : 900_000;
  const out: Workload[] = [];
  for (let i = 0; i < count; i++) {
    const shape = SHAPES[i % SHAPES.length]!;
    // Half at 60 s scrapes, half at 5-minute resolution.
    const step = i % 2 === 0 ? 60 : 300;
    out.push(generateWorkload(base + i * 7919, shape, step, days));
  }
  return out;
}
