/**
 * Scheduled scaling: per workload, find a daily or weekly cycle in its replica demand and, when
 * one is confirmed and stable, write it as the CronHPA form the cluster runs, linked to the HPA
 * (adopted or tuned in the same change, or live) so traffic beyond the forecast still scales out.
 * No cycle, no CronHPA. Replica demand uses the same request and target as the HPA it drives.
 */
import type { ClusterModel, GenericObjectModel, HpaModel, WorkloadModel } from '../../model/types.js';
import type { AnalyzeContext, AnalyzerResult, JsonValue, Recommendation, Skipped } from '../types.js';
import { recommendationId } from '../types.js';
import { metricCpuRequest, podCpuRequest } from '../hpa/request.js';
import { HPA_DEFAULTS, type HpaArgs } from '../hpa/args.js';
import { replicaDemand } from '../hpa/sizing.js';
import { demandView, historyDays, type DemandView } from '../../model/usage/demand-view.js';
import { ceilSafe, percentile } from '../../core/stats.js';
import { CRONHPA_DEFAULTS, type AutoscalingSettings, type CronHpaArgs } from './args.js';
import { DETECT_DEFAULTS, detectCycles, toHourly, type CycleDetection } from './periodicity.js';
import { buildSchedule, clock, type Schedule } from './schedule.js';
import { upstreamFor } from '../upstream.js';
import {
  aliyunForm,
  craneForm,
  kedaForm,
  managedByTidemark,
  scheduleEdits,
  tkestackForm,
  type CronForm,
  type HpaBasis,
  type RenderedForm,
} from './forms.js';

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
  const hpas = model.hpas.filter((h) => h.workload === w.key);
  // As in the hpa analyzer: which of several HPAs a schedule should drive is a human's call.
  if (hpas.length > 1)
    return {
      skip: {
        reason: 'not-eligible',
        detail: `${hpas.length} HPAs target this workload (${hpas.map((h) => h.name).join(', ')}); they fight each other, and a schedule linked to one would be undone by the other`,
      },
    };
  const live = hpas[0];
  if (live?.ownedBy)
    return {
      skip: {
        reason: 'hpa-owned',
        detail: `HPA ${live.name} is owned by ${live.ownedBy.kind} ${live.ownedBy.name}; its schedule is set there`,
      },
    };
  const upstream = upstreamFor(ctx, 'hpa', w.key)[0];
  const found = hpaBasis(model, w, live, upstream, ctx);
  const basis = found && 'hpa' in found ? found : undefined;
  const form = settings.cronForm;
  // Any HPA, live or adopted in this change, whatever it measures: it rewrites replicas at its
  // next sync and undoes what tkestack's CronHPA set.
  const anyHpa = live?.name ?? basis?.hpa.name;
  if (form === 'tkestack' && (live || basis))
    return {
      skip: {
        reason: 'not-supported',
        detail: `tkestack's CronHPA cannot link to an HPA (${anyHpa ?? w.name}), which would undo each scheduled change at its next sync; use the aliyun, keda or crane form`,
      },
    };
  if (!basis && form !== 'tkestack') {
    // Scheduled scaling rides on an HPA. Say why there is none to ride on when a form is set.
    if (found && !('hpa' in found)) return { skip: found };
    if (!form) return undefined;
    return {
      skip: {
        reason: 'no-hpa',
        detail: `the ${form} form links a schedule to an HPA, and this workload has none and gets none in this change (see the hpa analyzer's reason)`,
      },
    };
  }
  const existing = form
    ? model.others
        .get(FORM_KINDS[form]!)
        ?.find((o) => o.namespace === w.namespace && scheduleTargets(o.spec, w, live))
    : undefined;
  // One Tidemark wrote (its label) has its times kept current below; one a human wrote is theirs.
  const mine = existing && managedByTidemark(existing.labels) ? existing : undefined;
  if (existing && !mine)
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
  // Without an HPA (tkestack) replicas are sized like fixed ones, on the request that will be live.
  const own = basis ? undefined : podCpuRequest(model, w, ctx);
  const perPod = basis ? basis.podCores * (basis.target / 100) : (own?.cores ?? 0) * a.fixedUtilization;
  if (!(perPod > 0))
    return { skip: { reason: 'no-cpu-request', detail: 'no CPU request to turn demand into replicas' } };
  const share = basis?.share ?? own?.share ?? 1;
  const demand = replicaDemand({ ...v, cpu: v.cpu.map((c) => c * share) }, perPod, 100);
  const hourly = toHourly(v.times, demand);
  const detection = detectCycles(hourly, { ...DETECT_DEFAULTS, shuffles: a.shuffles, minAcf: a.minStrength });
  if (!detection.cycle) return { skip: { reason: 'no-cycle', detail: detection.reason } };
  const timezone = settings.timezone ?? 'UTC';
  // The policy's replica floor (the hpa analyzer's minReplicasFloor, with this workload's
  // overrides) holds without an HPA too: a quiet night must not leave a single pod.
  const policyFloor =
    (ctx.overrides?.(w.key, 'hpa') as Partial<HpaArgs> | undefined)?.minReplicasFloor ??
    (ctx.argsOf?.('hpa') as Partial<HpaArgs> | undefined)?.minReplicasFloor ??
    HPA_DEFAULTS.minReplicasFloor;
  const floor = basis ? basis.hpa.min : Math.max(policyFloor, ceilSafe(percentile(demand, 0.05)));
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
  if (mine) return updateTimes(mine, form, rendered, detection, schedule, w, v);
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
        ...demandEvidence(v),
        statistic: `permutation FFT (${a.shuffles} shuffles) + autocorrelation peak at ${strength.hours} h`,
        why: `${describe(detection, schedule)}. ${surge}`,
      },
      risk: 'medium',
      ...(basis?.from ? { dependsOn: [basis.from] } : {}),
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
  /** The hpa recommendation whose numbers these are, when it proposes them in this change. */
  from?: string;
}

type NoBasis = { reason: string; detail: string };

/**
 * The HPA the schedule drives: adopted or tuned in this change (upstream, whose details carry the
 * request and demand share it sized with), else the live one, measured with the same helper the
 * hpa analyzer uses (the request that will be live when the HPA is). `NoBasis` says why a live
 * HPA cannot be one; undefined means there is no HPA at all.
 */
function hpaBasis(
  model: ClusterModel,
  w: WorkloadModel,
  live: HpaModel | undefined,
  upstream: Recommendation | undefined,
  ctx: AnalyzeContext,
): Basis | NoBasis | undefined {
  const d = upstream?.details as Record<string, unknown> | undefined;
  if (d && (d.decision === 'adopt-hpa' || d.decision === 'tune-hpa')) {
    const adopted = upstream!.objects[0]?.manifest.spec as Record<string, JsonValue> | undefined;
    // The floor and ceiling are the ones the hpa analyzer proposes in this change (a lowered floor
    // included): the schedule object takes the HPA's place or drives it, and must not say
    // otherwise. Should policy reject that proposal, this one goes with it (dependsOn).
    return {
      hpa: {
        name: live?.name ?? w.name,
        existing: !!live,
        min: Number(d.minReplicas),
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
      share: typeof d.demandShare === 'number' && d.demandShare > 0 ? d.demandShare : 1,
      from: upstream!.id,
    };
  }
  if (!live) return undefined;
  const metric = live.metrics.find(
    (m) =>
      m.resource === 'cpu' &&
      (m.type === 'Resource' || m.type === 'ContainerResource') &&
      m.averageUtilization !== undefined,
  );
  if (!metric)
    return {
      reason: 'hpa-not-cpu',
      detail: `HPA ${live.name} does not scale on CPU utilization (${live.metrics.map((m) => `${m.type}${m.resource ? `/${m.resource}` : ''}`).join(', ') || 'no metrics'}), so replica demand cannot be put in its terms; a schedule for it is the owner's choice`,
    };
  const request = metricCpuRequest(model, w, metric, ctx);
  if (!request)
    return {
      reason: 'no-cpu-request',
      detail: `HPA ${live.name} measures ${metric.container ? `container ${metric.container}` : 'the pod'}, which lacks a CPU request, so demand cannot be put in replicas`,
    };
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
    podCores: request.cores,
    target: metric.averageUtilization!,
    share: request.share,
  };
}

/**
 * A schedule object Tidemark wrote earlier: propose its new times in place (the DST shift of a
 * controller-zone form, or a ramp that moved), or say why it cannot be edited in place.
 */
function updateTimes(
  mine: GenericObjectModel,
  form: CronForm,
  rendered: RenderedForm,
  detection: CycleDetection,
  schedule: Schedule,
  w: WorkloadModel,
  v: DemandView,
): Outcome {
  const object = {
    apiVersion: mine.apiVersion,
    kind: mine.kind,
    namespace: mine.namespace ?? w.namespace,
    name: mine.name,
  };
  const diff = scheduleEdits(form, mine.spec, rendered.manifest);
  if ('reason' in diff)
    return {
      skip: {
        reason: 'exists',
        detail: `${mine.kind} ${mine.name} was written by Tidemark, but ${diff.reason}; delete it in a reviewed change and the next plan writes it afresh (${describe(detection, schedule)})`,
      },
    };
  if (!diff.edits.length)
    return {
      skip: { reason: 'no-change', detail: `${mine.kind} ${mine.name} already runs at these times` },
    };
  const lines = diff.edits.map(
    (e) =>
      `${e.path.map((s) => (typeof s === 'object' ? `[${s.name}]` : String(s))).join('.')}: \`${String(e.current)}\` → \`${String(e.proposed)}\``,
  );
  return {
    recommendation: {
      id: recommendationId('cronhpa', w.key, 'schedule'),
      analyzer: 'cronhpa',
      workload: w.key,
      subject: `move schedule times (${form})`,
      fields: diff.edits.map((e) => ({ object, path: e.path, current: e.current, proposed: e.proposed })),
      objects: [],
      evidence: {
        ...demandEvidence(v),
        why: `${mine.kind} ${mine.name} (written by Tidemark) runs at other times than the cycle now needs: ${lines.join('; ')}. ${describe(detection, schedule)}.`,
      },
      risk: 'low',
      details: {
        form,
        cycle: detection.cycle,
        timezone: schedule.timezone,
        lines,
        warnings: rendered.warnings,
      },
    },
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

/** The evidence every schedule carries: the demand view's window, points and days of history. */
function demandEvidence(v: DemandView) {
  const days = historyDays(v);
  return {
    window: { start: v.times[0] ?? 0, end: (v.times.at(-1) ?? 0) + v.step },
    samples: v.times.length,
    ooms: 0,
    confidence: {
      days: Math.round(days * 10) / 10,
      level: days >= 14 ? ('high' as const) : ('medium' as const),
    },
  };
}
