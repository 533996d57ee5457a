/**
 * Scheduled scaling: per workload, find a daily or weekly cycle in its replica demand and, when
 * one is confirmed and stable, write it as the CronHPA form the cluster runs, linked to the HPA
 * (adopted or tuned in the same change, or live) so traffic beyond the forecast still scales out.
 * No cycle, no CronHPA. Replica demand uses the same request and target as the HPA it drives.
 */
import type { ClusterModel, HpaModel, WorkloadModel } from '../../model/types.js';
import type { AnalyzeContext, AnalyzerResult, JsonValue, Recommendation, Skipped } from '../types.js';
import { recommendationId } from '../types.js';
import { liveCpuRequestCores } from '../../model/live-containers.js';
import { replicaDemand } from '../hpa/sizing.js';
import { demandView, historyDays } from '../../model/usage/demand-view.js';
import { ceilSafe, percentile } from '../../core/stats.js';
import { CRONHPA_DEFAULTS, type AutoscalingSettings, type CronHpaArgs } from './args.js';
import { DETECT_DEFAULTS, detectCycles, toHourly, type CycleDetection } from './periodicity.js';
import { buildSchedule, clock, type Schedule } from './schedule.js';
import { aliyunForm, craneForm, kedaForm, tkestackForm, type HpaBasis, type RenderedForm } from './forms.js';

const FORM_KINDS: Record<string, string> = {
  aliyun: 'autoscaling.alibabacloud.com/CronHorizontalPodAutoscaler',
  keda: 'keda.sh/ScaledObject',
  crane: 'autoscaling.crane.io/EffectiveHorizontalPodAutoscaler',
  tkestack: 'extensions.tkestack.io/CronHPA',
};

export function analyzeCronHpa(model: ClusterModel, args: CronHpaArgs, ctx: AnalyzeContext): AnalyzerResult {
  const recommendations: Recommendation[] = [];
  const skipped: Skipped[] = [];
  const settings = (ctx.clusterSettings.autoscaling ?? {}) as AutoscalingSettings;
  for (const w of [...model.workloads.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    if (w.kind !== 'Deployment' && w.kind !== 'StatefulSet') continue;
    const a: CronHpaArgs = {
      ...CRONHPA_DEFAULTS,
      ...args,
      ...(ctx.overrides?.(w.key, 'cronhpa') as Partial<CronHpaArgs> | undefined),
    };
    const out = analyzeWorkload(model, w, a, settings, ctx);
    if (!out) continue;
    if ('skip' in out) skipped.push({ analyzer: 'cronhpa', workload: w.key, ...out.skip });
    else recommendations.push(out.recommendation);
  }
  return { recommendations, skipped };
}

type Outcome = { recommendation: Recommendation } | { skip: { reason: string; detail: string } } | undefined;

function analyzeWorkload(
  model: ClusterModel,
  w: WorkloadModel,
  a: CronHpaArgs,
  settings: AutoscalingSettings,
  ctx: AnalyzeContext,
): Outcome {
  const usage = model.usage.get(w.key);
  if (!usage) return undefined;
  const live = model.hpas.find((h) => h.workload === w.key);
  if (live?.ownedBy)
    return {
      skip: {
        reason: 'hpa-owned',
        detail: `HPA ${live.name} is owned by ${live.ownedBy.kind} ${live.ownedBy.name}; its schedule is set there`,
      },
    };
  const upstream = ctx.upstream?.get('hpa')?.recommendations.find((r) => r.workload === w.key);
  const basis = hpaBasis(model, w, live, upstream);
  const form = settings.cronForm;
  if (form === 'tkestack' && basis)
    return {
      skip: {
        reason: 'not-supported',
        detail: `tkestack's CronHPA cannot link to an HPA (${basis.hpa.name ?? w.name}), which would undo each scheduled change at its next sync; use the aliyun, keda or crane form`,
      },
    };
  if (!basis && form !== 'tkestack') return undefined; // scheduled scaling rides on an HPA
  const existing = form
    ? model.others
        .get(FORM_KINDS[form]!)
        ?.find((o) => o.namespace === w.namespace && scheduleTargets(o.spec, w, live))
    : undefined;
  if (existing)
    return {
      skip: {
        reason: 'exists',
        detail: `${existing.kind} ${existing.name} already schedules this workload; Tidemark does not rewrite a schedule a human wrote`,
      },
    };
  const v = demandView(usage.demand);
  if (historyDays(v) < a.minHistoryDays)
    return {
      skip: {
        reason: 'insufficient-history',
        detail: `${historyDays(v).toFixed(1)} days of demand; ${a.minHistoryDays} needed to trust a cycle`,
      },
    };
  const perPod = basis
    ? basis.podCores * (basis.target / 100)
    : liveCpuRequestCores(model, w) * a.fixedUtilization;
  if (!(perPod > 0))
    return { skip: { reason: 'no-cpu-request', detail: 'no CPU request to turn demand into replicas' } };
  const demand = replicaDemand({ ...v, cpu: v.cpu.map((c) => c * (basis?.share ?? 1)) }, perPod, 100);
  const hourly = toHourly(v.times, demand);
  const detection = detectCycles(hourly, { ...DETECT_DEFAULTS, shuffles: a.shuffles, minAcf: a.minStrength });
  if (!detection.cycle) return { skip: { reason: 'no-cycle', detail: detection.reason } };
  const timezone = settings.timezone ?? 'UTC';
  const floor = basis ? basis.hpa.min : Math.max(1, ceilSafe(percentile(demand, 0.05)));
  const built = buildSchedule(hourly, detection.cycle, {
    timezone,
    floor,
    leadMinutes: a.leadMinutes,
    recentDays: a.recentDays,
    maxJitterHours: a.maxJitterHours,
  });
  if ('reason' in built)
    return { skip: { reason: 'no-schedule', detail: `${detection.reason}; but ${built.reason}` } };
  const schedule = built.schedule;
  if (!form)
    return {
      skip: {
        reason: 'no-cron-form',
        detail: `${describe(detection, schedule)}; set clusters[].settings.autoscaling.cronForm to the scheduler this cluster runs (aliyun, keda, crane or tkestack) to render it`,
      },
    };
  let rendered: RenderedForm;
  const controllerZone = settings.controllerTimezone ?? 'UTC';
  switch (form) {
    case 'aliyun':
      rendered = aliyunForm(w, schedule, basis!.hpa, controllerZone, model.at);
      break;
    case 'keda':
      rendered = kedaForm(w, schedule, basis!.hpa);
      break;
    case 'crane':
      if (basis!.hpa.existing)
        return {
          skip: {
            reason: 'needs-migration',
            detail: `Crane would create its own HPA ehpa-${w.name} beside HPA ${basis!.hpa.name}, and two HPAs fight; remove that HPA in its own reviewed change first (${describe(detection, schedule)})`,
          },
        };
      rendered = craneForm(w, schedule, basis!.hpa);
      break;
    case 'tkestack':
      rendered = tkestackForm(w, schedule, floor, controllerZone, model.at);
      break;
  }
  const strength = detection[detection.cycle]!;
  const surge =
    form === 'tkestack'
      ? 'Between the scheduled moments nothing scales: a surge is not followed (no HPA).'
      : `On a surge the HPA still scales above the planned floor on CPU, up to ${basis!.hpa.max} replicas.`;
  return {
    recommendation: {
      id: recommendationId('cronhpa', w.key, 'schedule'),
      analyzer: 'cronhpa',
      workload: w.key,
      subject: `${detection.cycle} schedule (${form})`,
      fields: [],
      objects: [
        {
          object: rendered.object,
          manifest: rendered.manifest,
          schema: rendered.schema,
          ...(rendered.replaces.length ? { replaces: rendered.replaces } : {}),
        },
      ],
      handOver: rendered.drift.map((d) => ({
        object: d.object,
        pointers: d.pointers,
        owner: `${rendered.object.kind} ${rendered.object.name}`,
        required: true,
      })),
      evidence: {
        window: { start: v.times[0] ?? 0, end: (v.times.at(-1) ?? 0) + v.step },
        samples: v.times.length,
        ooms: 0,
        confidence: {
          days: Math.round(historyDays(v) * 10) / 10,
          level: historyDays(v) >= 14 ? 'high' : 'medium',
        },
        statistic: `permutation FFT (${a.shuffles} shuffles) + autocorrelation peak at ${strength.hours} h`,
        why: `${describe(detection, schedule)}. ${surge}`,
      },
      risk: 'medium',
      details: {
        form,
        cycle: detection.cycle,
        strength: round(strength.acf),
        spectralRatio: round(strength.spectralRatio),
        timezone,
        windows: schedule.windows.map((x) => ({
          label: x.label,
          up: clock(x.upAt),
          ramp: `${clock(x.rampStart)}–${clock(x.rampEnd)}`,
          replicas: x.replicas,
        })),
        floor,
        lines: rendered.lines,
        warnings: rendered.warnings,
        surge,
        curve: hourlyCurve(hourly),
      },
    },
  };
}

interface Basis {
  hpa: HpaBasis;
  podCores: number;
  target: number;
  share: number;
}

/** The HPA the schedule drives: adopted or tuned in this change (upstream), else the live one. */
function hpaBasis(
  model: ClusterModel,
  w: WorkloadModel,
  live: HpaModel | undefined,
  upstream: Recommendation | undefined,
): Basis | undefined {
  const d = upstream?.details as Record<string, unknown> | undefined;
  if (d && (d.decision === 'adopt-hpa' || d.decision === 'tune-hpa')) {
    const adopted = upstream!.objects[0]?.manifest.spec as Record<string, JsonValue> | undefined;
    const floor = live ? Math.max(Number(d.minReplicas), live.minReplicas) : Number(d.minReplicas);
    return {
      hpa: {
        name: live?.name ?? w.name,
        existing: !!live,
        min: floor,
        max: Number(d.maxReplicas),
        target: Number(d.targetUtilization),
        ...(typeof d.container === 'string' ? { container: d.container } : {}),
        ...(adopted?.behavior
          ? { behavior: adopted.behavior }
          : live?.behavior
            ? { behavior: live.behavior as JsonValue }
            : {}),
      },
      podCores: Number(d.podRequestCores),
      target: Number(d.targetUtilization),
      share: 1,
    };
  }
  if (!live) return undefined;
  const metric = live.metrics.find((m) => m.resource === 'cpu' && m.averageUtilization !== undefined);
  if (!metric) return undefined;
  const cores =
    metric.type === 'ContainerResource'
      ? (w.template.containers.find((c) => c.name === metric.container)?.requests.cpu ?? 0) / 1000
      : liveCpuRequestCores(model, w);
  return {
    hpa: {
      name: live.name,
      existing: true,
      min: live.minReplicas,
      max: live.maxReplicas,
      target: metric.averageUtilization!,
      ...(metric.type === 'ContainerResource' && metric.container ? { container: metric.container } : {}),
      ...(live.behavior ? { behavior: live.behavior as JsonValue } : {}),
    },
    podCores: cores,
    target: metric.averageUtilization!,
    share: 1,
  };
}

function scheduleTargets(spec: unknown, w: WorkloadModel, live: HpaModel | undefined): boolean {
  const ref = (spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
  if (!ref) return false;
  return (
    (ref.kind === w.kind && ref.name === w.name) ||
    (!!live && ref.kind === 'HorizontalPodAutoscaler' && ref.name === live.name)
  );
}

function describe(d: CycleDetection, s: Schedule): string {
  const t = d[d.cycle!]!;
  const windows = s.windows
    .map(
      (x) =>
        `${x.label} at least ${x.replicas} replicas ${clock(x.upAt)}–${clock(x.rampEnd)} (ramp ${clock(x.rampStart)}, ${s.leadMinutes} min lead)`,
    )
    .join('; ');
  return `A ${d.cycle} cycle (autocorrelation ${t.acf.toFixed(2)} at ${t.hours} h, spectrum ${t.spectralRatio.toFixed(1)}× the shuffled-noise threshold): ${windows}, ${s.timezone}; back to ${s.floor} after`;
}

function hourlyCurve(h: { start: number; values: number[] }): {
  start: number;
  step: number;
  replicas: number[];
} {
  return { start: h.start, step: 3600, replicas: h.values.map((x) => Math.round(x * 100) / 100) };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
