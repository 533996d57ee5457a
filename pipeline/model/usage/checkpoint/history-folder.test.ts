import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageSeries, UsageWindow } from '../../../collect/types.js';
import { createUsageFolder } from '../fold.js';
import type { WorkloadUsage } from '../types.js';
import {
  encodeCheckpoint,
  loadCheckpoint,
  writeCheckpoint,
  type CheckpointHeader,
} from './checkpoint-file.js';
import { digestSignature } from './day-codec.js';
import { DEFAULT_DIGEST_OPTIONS } from '../container-digest.js';
import { createHistoryFolder, type HistoryState } from './history-folder.js';

const STEP = 300;
const DAY = 86400;
const S = 20_000 * DAY; // a midnight
const PER_DAY = DAY / STEP;

/** As Prometheus counts them: the scrapes behind each interval with a CPU rate. */
const withData = (a: Float32Array): number => a.filter((v) => v >= 0).length;

/** A deterministic pseudo-random walk (no Math.random: the test must fail the same way twice). */
function rng(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

function series(
  pod: string,
  container: string,
  from: number,
  to: number,
  seed: number,
  gap?: [number, number],
): UsageSeries {
  const r = rng(seed);
  const n = to - from;
  const cpuMean = new Float32Array(n);
  const cpuMax = new Float32Array(n);
  const memMax = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const idx = from + i;
    if (gap && idx >= gap[0] && idx < gap[1]) {
      cpuMean[i] = cpuMax[i] = memMax[i] = NaN;
      continue;
    }
    cpuMean[i] = Math.round(r() * 2000) / 10000;
    cpuMax[i] = cpuMean[i]! * (1 + r());
    memMax[i] = 5e7 + Math.round(r() * 2e8);
  }
  return {
    namespace: 'shop',
    pod,
    container,
    offset: from,
    cpuMean,
    cpuMax,
    memMax,
    samples: 5 * withData(cpuMean),
  };
}

/** Four days: web rolls out on day 2 (new pod names), api has a gap across the checkpoint's end. */
function stream(endIdx: number): { wl: string; s: UsageSeries }[] {
  const cut = (s: UsageSeries): UsageSeries | undefined => {
    const n = Math.min(s.cpuMean.length, endIdx - s.offset);
    if (n <= 0) return undefined;
    return {
      ...s,
      cpuMean: s.cpuMean.slice(0, n),
      cpuMax: s.cpuMax.slice(0, n),
      memMax: s.memMax.slice(0, n),
      samples: 5 * withData(s.cpuMean.slice(0, n)),
    };
  };
  const all = [
    {
      wl: 'Deployment/shop/api',
      s: series('api-6d9f8c6b5-aaaaa', 'app', 0, 4 * PER_DAY, 1, [2 * PER_DAY + 100, 2 * PER_DAY + 200]),
    },
    { wl: 'Deployment/shop/api', s: series('api-6d9f8c6b5-aaaaa', 'proxy', 0, 4 * PER_DAY, 2) },
    { wl: 'Deployment/shop/web', s: series('web-7c8d9e0f1-bbbbb', 'app', 0, 2 * PER_DAY + 17, 3) },
    { wl: 'Deployment/shop/web', s: series('web-5f6a7b8c9-ccccc', 'app', 2 * PER_DAY + 10, 4 * PER_DAY, 4) },
    // Appeared yesterday.
    { wl: 'Deployment/shop/new', s: series('new-5f6a7b8c9-ddddd', 'app', 3 * PER_DAY + 5, 4 * PER_DAY, 5) },
  ];
  return all.flatMap((x) => {
    const s = cut(x.s);
    return s ? [{ wl: x.wl, s }] : [];
  });
}

function fold(
  window: UsageWindow,
  items: { wl: string; s: UsageSeries }[],
  state?: HistoryState,
  from?: number,
) {
  const f = createHistoryFolder({
    window,
    ...(state ? { state } : {}),
    ...(from !== undefined ? { from } : {}),
  });
  for (const { wl, s } of items) f.add(wl, s);
  f.flush();
  f.addOom('Deployment/shop/api', {
    namespace: 'shop',
    pod: 'api-6d9f8c6b5-aaaaa',
    container: 'app',
    time: S + 2 * DAY + 600,
    source: 'metrics',
  });
  return { usage: f.finish(), state: f.state(), folder: f };
}

async function roundTrip(state: HistoryState, window: UsageWindow): Promise<HistoryState> {
  const dir = mkdtempSync(join(tmpdir(), 'tm-ckpt-'));
  try {
    const digest = digestSignature(DEFAULT_DIGEST_OPTIONS);
    const header: CheckpointHeader = {
      cluster: 'c',
      windowSeconds: 4 * DAY,
      step: STEP,
      demandStep: 900,
      start: window.start,
      end: state.end,
      digest,
      workloads: state.workloads.size,
      containers: 0,
      nodes: 0,
      tierLabel: null,
      writtenAt: '',
      tidemarkVersion: 'test',
    };
    const first = await loadCheckpoint(dir, { cluster: 'c', windowSeconds: 4 * DAY, window, digest });
    expect(
      writeCheckpoint(
        dir,
        await encodeCheckpoint(header, state, { nodes: new Map(), reported: new Map() }),
        first,
      ),
    ).toMatchObject({ written: true });
    const later = { start: S, end: S + 4 * DAY, step: STEP };
    const back = await loadCheckpoint(dir, { cluster: 'c', windowSeconds: 4 * DAY, window: later, digest });
    if (!back.warm) throw new Error(back.message);
    return back.state;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectSameUsage(a: WorkloadUsage, b: WorkloadUsage, exact: boolean): void {
  expect([...a.containers.keys()].sort()).toEqual([...b.containers.keys()].sort());
  for (const [name, x] of a.containers) {
    const y = b.containers.get(name)!;
    // Peaks are maxima: exactly equal however the days were split.
    expect(y.peakMemory).toBe(x.peakMemory);
    expect(y.peakCpu).toBe(x.peakCpu);
    expect(Array.from(y.dailyMemPeak)).toEqual(Array.from(x.dailyMemPeak));
    expect(Array.from(y.dailyCpuPeak)).toEqual(Array.from(x.dailyCpuPeak));
    expect(y.intervals).toBe(x.intervals);
    expect(y.samples).toBe(x.samples);
    for (const h of ['cpuTime', 'cpuLoad', 'cpuPeak', 'memPeaks'] as const) {
      for (const p of [0.5, 0.9, 0.95, 0.99]) expect(y[h].percentile(p)).toBe(x[h].percentile(p));
      for (let i = 0; i < x[h].weights.length; i++) {
        if (exact) expect(y[h].weights[i]).toBe(x[h].weights[i]);
        else expect(Math.abs(y[h].weights[i]! - x[h].weights[i]!)).toBeLessThanOrEqual(1e-9 * x[h].total);
      }
    }
    expect(y.cpuMeanSum / y.cpuMeanWeight).toBeCloseTo(x.cpuMeanSum / x.cpuMeanWeight, 9);
  }
  for (const k of ['cpu', 'cpuMax', 'memory', 'pods'] as const)
    for (let i = 0; i < a.demand[k].length; i++)
      expect(Math.abs(b.demand[k][i]! - a.demand[k][i]!)).toBeLessThanOrEqual(
        1e-6 * Math.max(1, Math.abs(a.demand[k][i]!)),
      );
}

describe('model/usage/checkpoint/history-folder', () => {
  const window = { start: S, end: S + 4 * DAY, step: STEP };

  it('folds days that add up to the plain fold over the window', async () => {
    const cold = fold(window, stream(4 * PER_DAY)).usage;
    const plain = createUsageFolder(window);
    for (const { wl, s } of stream(4 * PER_DAY)) plain.add(wl, s);
    const p = plain.finish();
    expect([...cold.keys()].sort()).toEqual([...p.keys()].sort());
    for (const [wl, u] of p) expectSameUsage(u, cold.get(wl)!, false);
  });

  it('a warm run (checkpoint at 2.5 days, then the rest) equals a cold one over the same window', async () => {
    // Noon of day 2: after web's rollout, inside api's gap.
    const cutIdx = 2 * PER_DAY + 144;
    const first = fold({ ...window, end: S + cutIdx * STEP }, stream(cutIdx));
    const state = await roundTrip(first.state, { ...window, end: S + cutIdx * STEP });
    expect(state.end).toBe(S + cutIdx * STEP);
    // The source may return intervals before `from` (a file, or the last hour re-read): ignored.
    const warm = fold(window, stream(4 * PER_DAY), state, state.end).usage;
    const cold = fold(window, stream(4 * PER_DAY)).usage;
    expect([...warm.keys()].sort()).toEqual([
      'Deployment/shop/api',
      'Deployment/shop/new',
      'Deployment/shop/web',
    ]);
    for (const [wl, u] of cold) expectSameUsage(u, warm.get(wl)!, false);
    // The rollout kept web's history: its first pod's days are still there.
    expect(warm.get('Deployment/shop/web')!.containers.get('app')!.firstSeen).toBe(S);
    // The OOM kill is counted once although both runs report it (the checkpoint keeps no pod name).
    expect(warm.get('Deployment/shop/api')!.ooms).toHaveLength(1);
    expect(warm.get('Deployment/shop/api')!.ooms[0]!.pod).toBe('');
  });

  it('drops the oldest day whole and ages out what stopped reporting', async () => {
    const full = fold(window, stream(4 * PER_DAY));
    const state = await roundTrip(full.state, window);
    // One day later: day 0 leaves the window; web's first pod (days 0–2) keeps days 1–2 only.
    const next = { start: S + DAY, end: S + 5 * DAY, step: STEP };
    const f = createHistoryFolder({
      window: next,
      state,
      from: state.end,
      keep: (wl) => wl !== 'Deployment/shop/api',
    });
    f.flush();
    const u = f.finish();
    expect(u.has('Deployment/shop/api')).toBe(false); // not live: not analysed …
    expect(f.state().workloads.has('Deployment/shop/api')).toBe(true); // … but its days are kept
    expect([...f.state().workloads.get('Deployment/shop/web')!.keys()]).toEqual([
      S / DAY + 1,
      S / DAY + 2,
      S / DAY + 3,
    ]);
    const web = u.get('Deployment/shop/web')!.containers.get('app')!;
    expect(web.firstSeen).toBe(S + DAY);
    expect(web.dailyMemPeak[0]).toBe(
      full.usage.get('Deployment/shop/web')!.containers.get('app')!.dailyMemPeak[1],
    );
    expect(Number.isNaN(web.dailyMemPeak[3]!)).toBe(true); // no data yet today
    // Five days on, nothing of this history is in the window: the ring is empty.
    const gone = createHistoryFolder({
      window: { start: S + 5 * DAY, end: S + 9 * DAY, step: STEP },
      state,
      from: S + 9 * DAY,
    });
    gone.finish();
    expect(gone.state().workloads.size).toBe(0);
  });
});
