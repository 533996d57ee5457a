/* eslint-disable @typescript-eslint/no-explicit-any */
import { readFileSync, writeFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import type { AnalyzeContext, AnalyzerId, AnalyzerResult } from '../types.js';
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

/**
 * web (500m) plus a proxy using a quarter of what web does (web's share of the pod: 0.8); the
 * proxy has no CPU request unless given, so an adopted HPA measures web (ContainerResource).
 */
function sidecarModel(
  webPerPod: (t: number) => number,
  o: { extra?: KubeObject[]; proxyCpu?: string; seed?: number } = {},
) {
  const objects = [
    ...deploymentWithPods('web', 'shop', {
      replicas: 3,
      containers: [
        container({ name: 'web', cpu: '500m', memory: '256Mi' }),
        container({ name: 'proxy', memory: '64Mi', ...(o.proxyCpu ? { cpu: o.proxyCpu } : {}) }),
      ],
    }),
    ...(o.extra ?? []),
  ];
  const m = modelOf(objects, END, { metricsApiAvailable: true, version: 'v1.30.2' });
  const w = windowOf(END, 14);
  const r = prng(o.seed ?? 11);
  const noisy = new Map<number, number>();
  // web and proxy see the same noise, so the share is exactly 0.8 in every slot
  const load = (t: number) => {
    if (!noisy.has(t)) noisy.set(t, webPerPod(t) * (0.96 + 0.08 * r()));
    return noisy.get(t)!;
  };
  const pods = [...m.pods.values()].filter((p) => p.workload === 'Deployment/shop/web');
  return withUsage(
    m,
    w,
    pods.flatMap((p) => [
      series(w, { namespace: 'shop', pod: p.name, container: 'web' }, { cpu: load, mem: () => 200 * MiB }),
      series(
        w,
        { namespace: 'shop', pod: p.name, container: 'proxy' },
        { cpu: (t) => load(t) / 4, mem: () => 50 * MiB },
      ),
    ]),
  );
}

/** A live HPA on web's container CPU (ContainerResource). */
function containerHpa(o: { min?: number; max?: number; utilization?: number } = {}): KubeObject {
  const h = hpa('web', 'shop', 'web', { min: o.min ?? 2, max: o.max ?? 20 });
  (h.spec as any).metrics = [
    {
      type: 'ContainerResource',
      containerResource: {
        name: 'cpu',
        container: 'web',
        target: { type: 'Utilization', averageUtilization: o.utilization ?? 80 },
      },
    },
  ];
  return h;
}

/** Right-sizing's result proposing web's CPU request (millicores). */
function rightsizeWeb(current: number, proposed: number): AnalyzerResult {
  return {
    skipped: [],
    recommendations: [
      {
        id: 'rightsize:Deployment/shop/web:web',
        analyzer: 'rightsize',
        workload: 'Deployment/shop/web',
        subject: 'web',
        fields: [
          {
            object: { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
            path: ['spec', 'template', 'spec', 'containers', { name: 'web' }, 'resources', 'requests', 'cpu'],
            current: `${current}m`,
            proposed: `${proposed}m`,
            quantity: { resource: 'cpu', role: 'request', container: 'web', current, proposed },
          },
        ],
        objects: [],
        evidence: { window: { start: 0, end: 1 }, samples: 1, ooms: 0, why: '' },
        risk: 'low',
      },
    ],
  };
}

/**
 * The usage fold counts each container series as a pod, which reads a two-container pod's burst
 * as ×1.6 (model/usage/fold.ts); sidecar cases pin the target at 80 % to check share and request.
 */
const ARGS80 = { ...HPA_DEFAULTS, minTargetUtilization: 80 };

const hourOf = (t: number) => Math.floor((t % 86400) / 3600);
const weekdayOf = (t: number) => ((Math.floor(t / 86400) + 3) % 7) + 1; // ISO: 1970-01-01 was a Thursday
/** Busy 01:00–13:00 UTC = 09:00–21:00 in Asia/Shanghai. */
const shanghaiOffice = (t: number) => (hourOf(t) >= 1 && hourOf(t) < 13 ? 1.0 : 0.1);

function plan(
  m: ReturnType<typeof model>,
  autoscaling: Record<string, unknown>,
  o: {
    hpaArgs?: typeof HPA_DEFAULTS;
    settings?: Record<string, unknown>;
    rightsize?: AnalyzerResult;
    /** Leave the hpa analyzer out: the schedule rides on the live HPA alone. */
    noHpa?: boolean;
    overrides?: AnalyzeContext['overrides'];
    argsOf?: AnalyzeContext['argsOf'];
  } = {},
) {
  const upstream = new Map<AnalyzerId, AnalyzerResult>(o.rightsize ? [['rightsize', o.rightsize]] : []);
  const ctx: AnalyzeContext = {
    now: END,
    cluster: 'test',
    clusterSettings: { ...o.settings, autoscaling },
    upstream,
    ...(o.overrides ? { overrides: o.overrides } : {}),
    ...(o.argsOf ? { argsOf: o.argsOf } : {}),
  };
  const hpaResult = o.noHpa
    ? { recommendations: [], skipped: [] }
    : analyzeHpa(m, o.hpaArgs ?? HPA_DEFAULTS, ctx);
  if (!o.noHpa) upstream.set('hpa', hpaResult);
  const cron = analyzeCronHpa(m, CRONHPA_DEFAULTS, ctx);
  return { hpa: hpaResult, cron };
}

/**
 * Byte-exact golden render. A missing golden is written only outside CI (a developer blessing a
 * new case, then reviewing it); under CI=1 it fails, so a deleted or misnamed golden cannot pass.
 */
function golden(name: string, manifest: unknown, dir = GOLDEN, env = process.env): void {
  const file = join(dir, `${name}.yaml`);
  const text = stringify(manifest, { lineWidth: 0 });
  const ci = !!env.CI && env.CI !== 'false' && env.CI !== '0';
  if (!existsSync(file) && ci)
    throw new Error(
      `golden ${file} is missing; run the test without CI (or with UPDATE_GOLDEN=1) to write it, review it and commit it`,
    );
  if ((env.UPDATE_GOLDEN && !ci) || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
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

  it('takes over an existing HPA through KEDA ownership transfer, with the floor and ceiling the hpa analyzer proposes', () => {
    const live = hpa('web', 'shop', 'web', { min: 3, max: 12, cpuUtilization: 80 });
    const { hpa: h, cron } = plan(model(shanghaiOffice, { extra: [live] }), { cronForm: 'keda', ...SH });
    const m = cron.recommendations[0]!.objects[0]!;
    // Nights need 3 pods × 0.1 core / (0.5 core × 80 %) = 0.75 replicas: the hpa analyzer lowers the
    // floor 3 → 2 (its minReplicasFloor), and the ScaledObject that owns the HPA says the same.
    const tune = h.recommendations[0]!;
    expect(tune.fields.find((f) => f.path.join('.') === 'spec.minReplicas')).toMatchObject({
      current: 3,
      proposed: 2,
    });
    expect((m.manifest.spec as any).minReplicaCount).toBe(2);
    expect((m.manifest.spec as any).maxReplicaCount).toBe(tune.details!.maxReplicas);
    // and it stands or falls with that proposal
    expect(cron.recommendations[0]!.dependsOn).toEqual([tune.id]);
    expect((m.manifest.metadata as any).annotations).toEqual({
      'scaledobject.keda.sh/transfer-hpa-ownership': 'true',
    });
    expect((m.manifest.spec as any).advanced.horizontalPodAutoscalerConfig.name).toBe('web');
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
    // 3 pods × 1 core at 70 % of 500m = 8.6 → 9 by day; at night ⌈P5⌉ = 1, raised to the policy
    // floor of 2 (hpa's minReplicasFloor)
    expect(spec.crons).toEqual([
      { schedule: '30 8 * * *', targetReplicas: 9 },
      { schedule: '0 21 * * *', targetReplicas: 2 },
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

  it("sizes the schedule of a ContainerResource HPA on its container's share, as the HPA does (by hand)", () => {
    // web 0.6 core per pod by day (0.15 at night), the proxy a quarter of that: pods use 0.75.
    // The adopted HPA measures web: 3 × 0.75 × 0.8 = 1.8 cores / (0.5 × 80 %) = 4.5 replicas by day,
    // +4 % noise at the P90 → 4.7 → at least 5. Whole-pod CPU over web's request would say 6.
    const office = (t: number) => (hourOf(t) >= 1 && hourOf(t) < 13 ? 0.6 : 0.15);
    const { hpa: h, cron } = plan(sidecarModel(office), { cronForm: 'keda', ...SH }, { hpaArgs: ARGS80 });
    expect(h.recommendations[0]!.details).toMatchObject({ container: 'web', demandShare: 0.8 });
    const r = cron.recommendations[0]!;
    expect(r.details).toMatchObject({
      windows: [{ label: 'every day', up: '08:30', ramp: '09:00–21:00', replicas: 5 }],
    });
    const spec = r.objects[0]!.manifest.spec as any;
    expect(spec.triggers[0].metadata.desiredReplicas).toBe('5');
    expect(spec.triggers[1]).toEqual({
      type: 'cpu',
      metricType: 'Utilization',
      metadata: { value: '80', containerName: 'web' },
    });
    expect(getValidator(r.objects[0]!.schema)(r.objects[0]!.manifest)).toBe(true);
  });

  it("sizes a live ContainerResource HPA's schedule on the request right-sizing proposes in the same change", () => {
    const office = (t: number) => (hourOf(t) >= 1 && hourOf(t) < 13 ? 0.6 : 0.15);
    const live = containerHpa({ max: 30 });
    const window = (o: Parameters<typeof plan>[2]) =>
      (
        plan(sidecarModel(office, { extra: [live] }), { cronForm: 'keda', ...SH }, o).cron.recommendations[0]!
          .details!.windows as any[]
      )[0];
    // the live HPA alone (no hpa analyzer in the run): 1.8 / (0.5 × 80 %) = 4.5 → 5 …
    expect(window({ noHpa: true })).toMatchObject({ replicas: 5 });
    // … and with web's request going 500m → 250m in this PR: 1.8 / (0.25 × 80 %) = 9, +4 % → 10
    expect(window({ noHpa: true, rightsize: rightsizeWeb(500, 250) })).toMatchObject({ replicas: 10 });
    // the same through the hpa analyzer tuning that HPA in the same run
    expect(window({ hpaArgs: ARGS80, rightsize: rightsizeWeb(500, 250) })).toMatchObject({ replicas: 10 });
  });

  it('never puts tkestack beside a live HPA, whatever it measures, and says why the HPA forms skip', () => {
    const memoryHpa = hpa('web', 'shop', 'web', { min: 2, max: 12 });
    (memoryHpa.spec as any).metrics = [
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ];
    // metrics API down: no HPA is adopted, only the live memory HPA exists
    const tke = plan(model(shanghaiOffice, { extra: [memoryHpa], metricsApi: false }), {
      cronForm: 'tkestack',
      ...SH,
    });
    expect(tke.cron.recommendations).toHaveLength(0);
    expect(tke.cron.skipped).toEqual([
      expect.objectContaining({
        reason: 'not-supported',
        detail: expect.stringMatching(/cannot link to an HPA \(web\)/),
      }),
    ]);
    for (const form of ['aliyun', 'keda', 'crane']) {
      const beside = plan(model(shanghaiOffice, { extra: [memoryHpa], metricsApi: false }), {
        cronForm: form,
        ...SH,
      });
      expect(beside.cron.skipped).toEqual([
        expect.objectContaining({ reason: 'hpa-not-cpu', detail: expect.stringMatching(/Resource\/memory/) }),
      ]);
      const none = plan(model(shanghaiOffice, { metricsApi: false }), { cronForm: form, ...SH });
      expect(none.cron.skipped).toEqual([
        expect.objectContaining({ reason: 'no-hpa', detail: expect.stringContaining(form) }),
      ]);
    }
  });

  it('leaves a workload with several HPAs to a human, as the hpa analyzer does', () => {
    const a = hpa('web', 'shop', 'web', { min: 2, max: 12, cpuUtilization: 80 });
    const b = hpa('web-extra', 'shop', 'web', { min: 2, max: 12, cpuUtilization: 60 });
    const { hpa: h, cron } = plan(model(shanghaiOffice, { extra: [a, b] }), { cronForm: 'aliyun', ...SH });
    expect(h.skipped[0]).toMatchObject({ reason: 'not-eligible' });
    expect(cron.recommendations).toHaveLength(0);
    expect(cron.skipped).toEqual([
      expect.objectContaining({
        reason: 'not-eligible',
        detail: expect.stringMatching(/2 HPAs .*web, web-extra/),
      }),
    ]);
  });

  it('drops tolerance from a Crane EHPA (its v2beta2 behavior has none) but keeps it for KEDA on 1.35', () => {
    const on135 = { settings: { kubernetesVersion: 'v1.35.1' } };
    const { hpa: h, cron } = plan(model(shanghaiOffice), { cronForm: 'crane', ...SH }, on135);
    expect((h.recommendations[0]!.objects[0]!.manifest.spec as any).behavior.scaleUp.tolerance).toBe('0.05');
    const ehpa = cron.recommendations[0]!.objects[0]!;
    const behavior = (ehpa.manifest.spec as any).behavior;
    expect(behavior.scaleUp).not.toHaveProperty('tolerance');
    expect(behavior.scaleDown).not.toHaveProperty('tolerance');
    expect(behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
    const validate = getValidator(ehpa.schema);
    expect(validate(ehpa.manifest)).toBe(true);
    // the closed schema catches a tolerance that slips back in
    const leaked = structuredClone(ehpa.manifest) as any;
    leaked.spec.behavior.scaleUp.tolerance = '0.05';
    expect(validate(leaked)).toBe(false);
    const keda = plan(model(shanghaiOffice), { cronForm: 'keda', ...SH }, on135).cron.recommendations[0]!;
    expect(
      (keda.objects[0]!.manifest.spec as any).advanced.horizontalPodAutoscalerConfig.behavior.scaleUp
        .tolerance,
    ).toBe('0.05');
  });

  it("holds the policy replica floor in tkestack's down job", () => {
    const { cron } = plan(
      model(shanghaiOffice, { metricsApi: false }),
      { cronForm: 'tkestack', ...SH, controllerTimezone: 'Asia/Shanghai' },
      { overrides: (_w, analyzer) => (analyzer === 'hpa' ? { minReplicasFloor: 3 } : {}) },
    );
    expect((cron.recommendations[0]!.objects[0]!.manifest.spec as any).crons).toEqual([
      { schedule: '30 8 * * *', targetReplicas: 9 },
      { schedule: '0 21 * * *', targetReplicas: 3 },
    ]);
    expect(cron.recommendations[0]!.details).toMatchObject({ floor: 3 });
    // the same floor configured for the hpa analyzer (analyzers.hpa) holds as well
    const configured = plan(
      model(shanghaiOffice, { metricsApi: false }),
      { cronForm: 'tkestack', ...SH, controllerTimezone: 'Asia/Shanghai' },
      { argsOf: (id) => (id === 'hpa' ? { minReplicasFloor: 3 } : undefined) },
    );
    expect(configured.cron.recommendations[0]!.details).toMatchObject({ floor: 3 });
  });

  it('makes separate weekday and weekend schedules when the weekend is busy at other hours', () => {
    // Shanghai local time: weekdays 09:00–21:00 at 1 core per pod, weekends 11:00–17:00 at 0.5
    const local = (t: number) => t + 8 * 3600;
    const load = (t: number) => {
      const h = hourOf(local(t));
      if (weekdayOf(local(t)) <= 5) return h >= 9 && h < 21 ? 1.0 : 0.1;
      return h >= 11 && h < 17 ? 0.5 : 0.1;
    };
    const keda = plan(model(load), { cronForm: 'keda', ...SH }).cron.recommendations[0]!;
    // weekdays 3 × 1 / (0.5 × 80 %) = 7.5 → 8; weekends 3 × 0.5 / 0.4 = 3.75, +4 % noise → 4
    expect(keda.details).toMatchObject({
      cycle: 'weekly',
      timezone: 'Asia/Shanghai',
      windows: [
        { label: 'weekdays', up: '08:30', ramp: '09:00–21:00', replicas: 8 },
        { label: 'weekend', up: '10:30', ramp: '11:00–17:00', replicas: 4 },
      ],
    });
    const triggers = (keda.objects[0]!.manifest.spec as any).triggers;
    expect(triggers.slice(0, 2)).toEqual([
      {
        type: 'cron',
        name: 'weekdays-peak',
        metadata: {
          timezone: 'Asia/Shanghai',
          start: '30 8 * * 1-5',
          end: '0 21 * * 1-5',
          desiredReplicas: '8',
        },
      },
      {
        type: 'cron',
        name: 'weekend-peak',
        metadata: {
          timezone: 'Asia/Shanghai',
          start: '30 10 * * 0,6',
          end: '0 17 * * 0,6',
          desiredReplicas: '4',
        },
      },
    ]);
    // Aliyun runs in the controller's zone (UTC here): 8 h earlier, same days
    const aliyun = plan(model(load), { cronForm: 'aliyun', ...SH, controllerTimezone: 'UTC' }).cron
      .recommendations[0]!;
    expect((aliyun.objects[0]!.manifest.spec as any).jobs).toEqual([
      { name: 'weekdays-up', schedule: '0 30 0 * * 1-5', targetSize: 8 },
      { name: 'weekend-up', schedule: '0 30 2 * * 0,6', targetSize: 4 },
      { name: 'weekend-down', schedule: '0 0 9 * * 0,6', targetSize: 2 },
      { name: 'weekdays-down', schedule: '0 0 13 * * 1-5', targetSize: 2 },
    ]);
  });

  it('fails a missing golden under CI instead of writing it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidemark-golden-'));
    try {
      expect(() => golden('absent', { a: 1 }, dir, { CI: '1', UPDATE_GOLDEN: '1' })).toThrow(/missing/);
      expect(existsSync(join(dir, 'absent.yaml'))).toBe(false);
      // outside CI the developer gets the file to review
      golden('absent', { a: 1 }, dir, {});
      expect(readFileSync(join(dir, 'absent.yaml'), 'utf8')).toBe('a: 1\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('moves the job times of an Aliyun CronHPA it wrote once daylight saving shifts the controller zone', () => {
    const live = hpa('web', 'shop', 'web', { min: 2, max: 12, cpuUtilization: 80 });
    // written in summer by an earlier plan: 08:30 / 21:00 Shanghai = 02:30 / 15:00 in Berlin (CEST)
    const written = (
      labels: Record<string, string>,
      jobs: string[] = ['every-day-up', 'every-day-down'],
    ): KubeObject => ({
      apiVersion: 'autoscaling.alibabacloud.com/v1beta1',
      kind: 'CronHorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop', labels },
      spec: {
        scaleTargetRef: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: 'web' },
        jobs: [
          { name: jobs[0], schedule: '0 30 2 * * *', targetSize: 8 },
          { name: jobs[1], schedule: '0 0 15 * * *', targetSize: 2 },
        ],
      },
    });
    const berlin = { cronForm: 'aliyun', ...SH, controllerTimezone: 'Europe/Berlin' };
    const mine = { 'app.kubernetes.io/managed-by': 'tidemark' };
    // now (January, CET) the same Shanghai times are an hour earlier in Berlin
    const { cron } = plan(model(shanghaiOffice, { extra: [live, written(mine)] }), berlin);
    const r = cron.recommendations[0]!;
    expect(r.objects).toEqual([]);
    const object = {
      apiVersion: 'autoscaling.alibabacloud.com/v1beta1',
      kind: 'CronHorizontalPodAutoscaler',
      namespace: 'shop',
      name: 'web',
    };
    expect(r.fields).toEqual([
      {
        object,
        path: ['spec', 'jobs', { name: 'every-day-up' }, 'schedule'],
        current: '0 30 2 * * *',
        proposed: '0 30 1 * * *',
      },
      {
        object,
        path: ['spec', 'jobs', { name: 'every-day-down' }, 'schedule'],
        current: '0 0 15 * * *',
        proposed: '0 0 14 * * *',
      },
    ]);
    // one a human wrote is left alone
    const theirs = plan(model(shanghaiOffice, { extra: [live, written({})] }), berlin);
    expect(theirs.cron.skipped[0]).toMatchObject({
      reason: 'exists',
      detail: expect.stringMatching(/a human wrote/),
    });
    // entries that no longer line up cannot be edited in place: a human deletes it, the next plan rewrites it
    const reshaped = plan(
      model(shanghaiOffice, { extra: [live, written(mine, ['weekdays-up', 'weekdays-down'])] }),
      berlin,
    );
    expect(reshaped.cron.skipped[0]).toMatchObject({
      reason: 'exists',
      detail: expect.stringMatching(/written by Tidemark, but its jobs .* no longer line up.*delete it/),
    });
    // times already right: nothing to do
    const current = written(mine);
    (current.spec as any).jobs[0].schedule = '0 30 1 * * *';
    (current.spec as any).jobs[1].schedule = '0 0 14 * * *';
    const same = plan(model(shanghaiOffice, { extra: [live, current] }), berlin);
    expect(same.cron.skipped[0]).toMatchObject({ reason: 'no-change' });
  });

  it('labels every schedule object it writes as its own, and the DST warning says what keeps it current', () => {
    for (const form of ['aliyun', 'keda', 'crane']) {
      const r = plan(model(shanghaiOffice), { cronForm: form, ...SH, controllerTimezone: 'Europe/Berlin' })
        .cron.recommendations[0]!;
      expect((r.objects[0]!.manifest.metadata as any).labels).toEqual({
        'app.kubernetes.io/managed-by': 'tidemark',
      });
      if (form === 'aliyun')
        expect((r.details!.warnings as string[]).join(' ')).toMatch(
          /an hour off until the next plan moves them .*managed-by: tidemark; keep that label, or move the times by hand/,
        );
    }
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
