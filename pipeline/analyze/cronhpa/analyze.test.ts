/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { analyzeCronHpa } from './analyze.js';
import { CRONHPA_DEFAULTS } from './args.js';
import { analyzeHpa } from '../hpa/analyze.js';
import { HPA_DEFAULTS } from '../hpa/args.js';
import { container, deploymentWithPods, hpa, modelOf } from '../../testing/model-fixtures.js';
import { series, windowOf, withUsage } from '../../testing/usage-fixtures.js';
import { referenceValidator } from '../../testing/reference-schemas.js';
import { getValidator, packageRoot } from '../../core/json-schema.js';
import { prng } from '../../core/prng.js';
import type { KubeObject } from '../../collect/types.js';
import type { AnalyzeContext, AnalyzerResult } from '../types.js';
import { mergeChanges } from '../../plan/merge.js';
import { hpa as hpaAnalyzer } from '../hpa/index.js';
import { cronhpa as cronAnalyzer } from './index.js';

const END = 1_800_000_000 - (1_800_000_000 % 86400); // a Friday, 00:00 UTC
const MiB = 2 ** 20;
const GOLDEN = join(packageRoot(), 'fixtures', 'cronhpa');

/** Load per pod from the UTC time; ±4 % noise from a fixed seed. */
function model(
  perPod: (t: number) => number,
  o: { extra?: KubeObject[]; metricsApi?: boolean; seed?: number } = {},
) {
  const objects = [
    ...deploymentWithPods('web', 'shop', {
      replicas: 3,
      containers: [container({ name: 'web', cpu: '500m', memory: '256Mi' })],
    }),
    ...(o.extra ?? []),
  ];
  const m = modelOf(objects, END, { metricsApiAvailable: o.metricsApi ?? true, version: 'v1.34.4' });
  const w = windowOf(END, 14);
  const r = prng(o.seed ?? 11);
  const pods = [...m.pods.values()].filter((p) => p.workload === 'Deployment/shop/web');
  return withUsage(
    m,
    w,
    pods.map((p) =>
      series(
        w,
        { namespace: 'shop', pod: p.name, container: 'web' },
        { cpu: (t) => perPod(t) * (0.96 + 0.08 * r()), mem: () => 200 * MiB },
      ),
    ),
  );
}

const hourOf = (t: number) => Math.floor((t % 86400) / 3600);
const weekdayOf = (t: number) => ((Math.floor(t / 86400) + 3) % 7) + 1; // ISO: 1970-01-01 was a Thursday
/** Busy 01:00–13:00 UTC = 09:00–21:00 in Asia/Shanghai. */
const shanghaiOffice = (t: number) => (hourOf(t) >= 1 && hourOf(t) < 13 ? 1.0 : 0.1);

function plan(m: ReturnType<typeof model>, autoscaling: Record<string, unknown>) {
  const ctx: AnalyzeContext = { now: END, cluster: 'test', clusterSettings: { autoscaling } };
  const hpaResult = analyzeHpa(m, HPA_DEFAULTS, ctx);
  const upstream = new Map([['hpa' as const, hpaResult]]);
  const cron = analyzeCronHpa(m, CRONHPA_DEFAULTS, { ...ctx, upstream });
  return { hpa: hpaResult, cron };
}

function golden(name: string, manifest: unknown): void {
  const file = join(GOLDEN, `${name}.yaml`);
  const text = stringify(manifest, { lineWidth: 0 });
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

const SH = { timezone: 'Asia/Shanghai' };

describe('cronhpa analyzer', () => {
  it('turns a 09:00–21:00 Shanghai peak into a KEDA ScaledObject with cron and CPU triggers', () => {
    const { cron } = plan(model(shanghaiOffice), { cronForm: 'keda', ...SH });
    const r = cron.recommendations[0]!;
    expect(r.details).toMatchObject({
      cycle: 'daily',
      timezone: 'Asia/Shanghai',
      // demand by day: 3 pods × 1 core / (0.5 core × 80 %) = 7.5 → at least 8 from 08:30 (30 min lead)
      windows: [{ label: 'every day', up: '08:30', ramp: '09:00–21:00', replicas: 8 }],
    });
    expect(r.details!.strength as number).toBeGreaterThan(0.8);
    const spec = r.objects[0]!.manifest.spec as any;
    expect(spec.triggers[0]).toEqual({
      type: 'cron',
      name: 'every-day-peak',
      metadata: { timezone: 'Asia/Shanghai', start: '30 8 * * *', end: '0 21 * * *', desiredReplicas: '8' },
    });
    expect(spec.triggers[1]).toEqual({ type: 'cpu', metricType: 'Utilization', metadata: { value: '80' } });
    // the KEDA HPA replaces the plain one the hpa analyzer adopted
    expect(r.objects[0]!.replaces).toEqual([
      expect.objectContaining({ kind: 'HorizontalPodAutoscaler', name: 'web' }),
    ]);
    expect(getValidator(r.objects[0]!.schema)(r.objects[0]!.manifest)).toBe(true);
    const upstream = referenceValidator('keda.sh_ScaledObject_v1alpha1.json');
    if (upstream) expect(upstream(r.objects[0]!.manifest)).toBe(true);
    golden('keda-scaledobject', r.objects[0]!.manifest);
  });

  it('merges KEDA in place of the adopted HPA: one autoscaler per workload, the replicas handed over', () => {
    const { hpa: h, cron } = plan(model(shanghaiOffice), { cronForm: 'keda', ...SH });
    const decided = [...h.recommendations, ...cron.recommendations].map((r) => ({
      ...r,
      decision: 'accepted',
      outcomes: [],
    })) as any;
    const [change] = mergeChanges('test', decided, [hpaAnalyzer, cronAnalyzer]);
    expect(change!.objects.map((o) => o.object.kind)).toEqual(['ScaledObject']);
    expect(change!.handOver).toEqual([
      expect.objectContaining({ pointers: ['/spec/replicas'], required: true }),
    ]);
  });

  it('takes over an existing HPA through KEDA ownership transfer, never below its floor', () => {
    const live = hpa('web', 'shop', 'web', { min: 3, max: 12, cpuUtilization: 80 });
    const { cron } = plan(model(shanghaiOffice, { extra: [live] }), { cronForm: 'keda', ...SH });
    const m = cron.recommendations[0]!.objects[0]!;
    expect((m.manifest.metadata as any).annotations).toEqual({
      'scaledobject.keda.sh/transfer-hpa-ownership': 'true',
    });
    expect((m.manifest.spec as any).advanced.horizontalPodAutoscalerConfig.name).toBe('web');
    expect((m.manifest.spec as any).minReplicaCount).toBeGreaterThanOrEqual(3);
    // the live HPA is not tuned beside KEDA, and Git stops reverting what KEDA writes to it
    expect(m.replaces).toEqual([expect.objectContaining({ kind: 'HorizontalPodAutoscaler', name: 'web' })]);
    expect(cron.recommendations[0]!.handOver).toEqual([
      expect.objectContaining({
        object: expect.objectContaining({ kind: 'HorizontalPodAutoscaler', name: 'web' }),
        pointers: ['/spec'],
      }),
    ]);
  });

  it('writes Aliyun jobs in the controller zone, each up paired with a down restoring the floor, and asks GitOps to ignore min/max', () => {
    const { cron } = plan(model(shanghaiOffice), { cronForm: 'aliyun', ...SH, controllerTimezone: 'UTC' });
    const r = cron.recommendations[0]!;
    const spec = r.objects[0]!.manifest.spec as any;
    expect(spec.scaleTargetRef).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      name: 'web',
    });
    expect(spec.jobs).toEqual([
      { name: 'every-day-up', schedule: '0 30 0 * * *', targetSize: 8 },
      { name: 'every-day-down', schedule: '0 0 13 * * *', targetSize: 2 },
    ]);
    expect(r.handOver).toEqual([
      expect.objectContaining({
        object: expect.objectContaining({ kind: 'HorizontalPodAutoscaler', name: 'web' }),
        pointers: ['/spec/minReplicas', '/spec/maxReplicas'],
        required: true,
      }),
    ]);
    expect(getValidator(r.objects[0]!.schema)(r.objects[0]!.manifest)).toBe(true);
    const upstream = referenceValidator(
      'autoscaling.alibabacloud.com_CronHorizontalPodAutoscaler_v1beta1.json',
    );
    if (upstream) expect(upstream(r.objects[0]!.manifest)).toBe(true);
    golden('aliyun-cronhorizontalpodautoscaler', r.objects[0]!.manifest);
    // a controller in a zone with daylight saving: warned
    const berlin = plan(model(shanghaiOffice), {
      cronForm: 'aliyun',
      ...SH,
      controllerTimezone: 'Europe/Berlin',
    });
    expect((berlin.cron.recommendations[0]!.details!.warnings as string[]).join(' ')).toMatch(
      /daylight-saving/,
    );
  });

  it('renders Crane EHPA crons for an adopted HPA, and refuses to put one beside a live HPA', () => {
    const { cron } = plan(model(shanghaiOffice), { cronForm: 'crane', ...SH });
    const r = cron.recommendations[0]!;
    const spec = r.objects[0]!.manifest.spec as any;
    expect(spec.crons).toEqual([
      {
        name: 'every-day-peak',
        timezone: 'Asia/Shanghai',
        description: 'Tidemark: every day peak',
        start: '30 8 ? * *',
        end: '0 21 ? * *',
        targetReplicas: 8,
      },
    ]);
    expect(spec.scaleStrategy).toBe('Auto');
    expect(getValidator(r.objects[0]!.schema)(r.objects[0]!.manifest)).toBe(true);
    const upstream = referenceValidator(
      'autoscaling.crane.io_EffectiveHorizontalPodAutoscaler_v1alpha1.json',
    );
    if (upstream) expect(upstream(r.objects[0]!.manifest)).toBe(true);
    golden('crane-effectivehorizontalpodautoscaler', r.objects[0]!.manifest);
    const live = hpa('web', 'shop', 'web', { min: 2, max: 12, cpuUtilization: 80 });
    const beside = plan(model(shanghaiOffice, { extra: [live] }), { cronForm: 'crane', ...SH });
    expect(beside.cron.skipped[0]).toMatchObject({ reason: 'needs-migration' });
  });

  it('uses tkestack only without an HPA, with the warning that it cannot link to one', () => {
    // the metrics API is down, so no HPA is adopted: tkestack sets replicas by schedule
    const { cron } = plan(model(shanghaiOffice, { metricsApi: false }), {
      cronForm: 'tkestack',
      ...SH,
      controllerTimezone: 'Asia/Shanghai',
    });
    const r = cron.recommendations[0]!;
    const spec = r.objects[0]!.manifest.spec as any;
    // 3 pods × 1 core at 70 % of 500m = 8.6 → 9 by day; floor ⌈P5⌉ at night
    expect(spec.crons).toEqual([
      { schedule: '30 8 * * *', targetReplicas: 9 },
      { schedule: '0 21 * * *', targetReplicas: 1 },
    ]);
    expect((r.details!.warnings as string[])[0]).toMatch(/cannot link to an HPA/);
    expect(r.handOver).toEqual([expect.objectContaining({ pointers: ['/spec/replicas'] })]);
    expect(getValidator(r.objects[0]!.schema)(r.objects[0]!.manifest)).toBe(true);
    golden('tkestack-cronhpa', r.objects[0]!.manifest);
    const withHpa = plan(model(shanghaiOffice), { cronForm: 'tkestack', ...SH });
    expect(withHpa.cron.skipped[0]).toMatchObject({ reason: 'not-supported' });
  });

  it('gives quiet weekends no window: weekdays only', () => {
    const weekdays = (t: number) => (weekdayOf(t) <= 5 ? shanghaiOffice(t) : 0.1);
    const { cron } = plan(model(weekdays), { cronForm: 'keda', timezone: 'UTC' });
    const r = cron.recommendations[0]!;
    expect(r.details).toMatchObject({
      cycle: 'weekly',
      windows: [{ label: 'weekdays', up: '00:30', ramp: '01:00–13:00' }],
    });
    expect((r.objects[0]!.manifest.spec as any).triggers[0].metadata).toMatchObject({
      start: '30 0 * * 1-5',
      end: '0 13 * * 1-5',
    });
  });

  it('finds no schedule in a drifting cycle, an aperiodic bursty load, or a flat one', () => {
    // an HPA is already there, so only the cycle and schedule tests decide
    const live = hpa('web', 'shop', 'web', { min: 2, max: 12, cpuUtilization: 80 });
    const drift = (minutesPerDay: number) => (t: number) => {
      const day = Math.floor((t - (END - 14 * 86400)) / 86400);
      const h = ((((t - day * minutesPerDay * 60) % 86400) + 86400) % 86400) / 3600;
      return h >= 1 && h < 13 ? 1.0 : 0.1;
    };
    // an hour a day: the period is 25 h, not a day — either the 24 h test fails or the ramp drifts
    const hourly = plan(model(drift(60), { extra: [live] }), { cronForm: 'keda', ...SH });
    expect(hourly.cron.recommendations).toHaveLength(0);
    expect(['no-cycle', 'no-schedule']).toContain(hourly.cron.skipped[0]!.reason);
    // half an hour a day: still daily, but the ramp moves 3 h in a week — no fixed time fits
    const half = plan(model(drift(30), { extra: [live] }), { cronForm: 'keda', ...SH });
    expect(half.cron.recommendations).toHaveLength(0);
    expect(half.cron.skipped[0]).toMatchObject({
      reason: 'no-schedule',
      detail: expect.stringMatching(/daily cycle confirmed.*drifts/),
    });
    // ten minutes a day: the schedule follows the latest week (the ramp is now ~2 h later than day one)
    const slow = plan(model(drift(10), { extra: [live] }), { cronForm: 'keda', ...SH });
    expect(slow.cron.recommendations[0]!.details).toMatchObject({
      cycle: 'daily',
      windows: [{ ramp: '11:00–23:00' }],
    });
    // random hour-long bursts
    const r = prng(5);
    const bursts = new Map<number, number>();
    const bursty = (t: number) => {
      const hour = Math.floor(t / 3600);
      if (!bursts.has(hour)) bursts.set(hour, r() < 0.1 ? 1.2 : 0.15);
      return bursts.get(hour)!;
    };
    const b = plan(model(bursty, { extra: [live] }), { cronForm: 'keda', ...SH });
    expect(b.cron.recommendations).toHaveLength(0);
    expect(b.cron.skipped[0]).toMatchObject({ reason: 'no-cycle' });
    const flat = plan(
      model(() => 0.3, { metricsApi: false }),
      { cronForm: 'tkestack', ...SH },
    );
    expect(flat.cron.recommendations).toHaveLength(0);
    expect(flat.cron.skipped[0]).toMatchObject({ reason: 'no-cycle' });
  });

  it('leaves a schedule a human wrote alone, in this namespace only', () => {
    const scaled = (ns: string): KubeObject => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'web-by-hand', namespace: ns },
      spec: { scaleTargetRef: { name: 'web', kind: 'Deployment' }, triggers: [] },
    });
    const mine = plan(model(shanghaiOffice, { extra: [scaled('shop')] }), { cronForm: 'keda', ...SH });
    expect(mine.cron.skipped[0]).toMatchObject({ reason: 'exists' });
    const elsewhere = plan(model(shanghaiOffice, { extra: [scaled('other')] }), { cronForm: 'keda', ...SH });
    expect(elsewhere.cron.recommendations).toHaveLength(1);
  });

  it('reports a cycle without rendering when the cluster has no cron form configured', () => {
    const { cron } = plan(model(shanghaiOffice), {});
    expect(cron.recommendations).toHaveLength(0);
    expect(cron.skipped[0]).toMatchObject({
      reason: 'no-cron-form',
      detail: expect.stringMatching(/daily cycle/),
    });
  });
});

export type { AnalyzerResult };
