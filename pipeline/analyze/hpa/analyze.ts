/**
 * HPA analysis: per workload one decision with its reasons — adopt an HPA, tune the one it has,
 * keep fixed replicas (and size them), or leave it alone. Targets are computed against the CPU
 * request that will be live when the HPA is: right-sizing's proposal travels in the same PR.
 * Current replicas come from the live cluster, never from Git.
 */
import type { ClusterModel, HpaModel, WorkloadModel } from '../../model/types.js';
import type {
  AnalyzeContext,
  AnalyzerResult,
  FieldProposal,
  JsonValue,
  Recommendation,
  Skipped,
} from '../types.js';
import { recommendationId } from '../types.js';
import { HPA_DEFAULTS, type HpaArgs } from './args.js';
import { fluctuation, replicaDemand, replicaRange, targetUtilization } from './sizing.js';
import { demandView, historyDays, type DemandView } from '../../model/usage/demand-view.js';
import { ceilSafe, percentile } from '../../core/stats.js';
import { containerResourceSupported, hpaManifest, toleranceSupported } from './manifest.js';
import { metricCpuRequest, podCpuRequest, type HpaRequest } from './request.js';

const SCALABLE = new Set(['Deployment', 'StatefulSet']);

export type HpaDecision = 'adopt-hpa' | 'tune-hpa' | 'fixed-replicas';

export function analyzeHpa(model: ClusterModel, args: HpaArgs, ctx: AnalyzeContext): AnalyzerResult {
  const recommendations: Recommendation[] = [];
  const skipped: Skipped[] = [];
  for (const w of [...model.workloads.values()].sort((a, b) => a.key.localeCompare(b.key))) {
    const a: HpaArgs = {
      ...HPA_DEFAULTS,
      ...args,
      ...(ctx.overrides?.(w.key, 'hpa') as Partial<HpaArgs> | undefined),
    };
    const out = analyzeWorkload(model, w, a, ctx);
    if ('skip' in out) skipped.push({ analyzer: 'hpa', workload: w.key, ...out.skip });
    else recommendations.push(out.recommendation);
  }
  return { recommendations, skipped };
}

type Outcome = { recommendation: Recommendation } | { skip: { reason: string; detail: string } };

const skip = (reason: string, detail: string): Outcome => ({ skip: { reason, detail } });

function analyzeWorkload(model: ClusterModel, w: WorkloadModel, a: HpaArgs, ctx: AnalyzeContext): Outcome {
  if (!SCALABLE.has(w.kind))
    return skip(
      'unsupported-kind',
      w.kind === 'DaemonSet'
        ? 'a DaemonSet runs one pod per node; its replicas follow the nodes'
        : `${w.kind}s are not scaled by replicas`,
    );
  if (w.kind === 'StatefulSet' && !a.allowStatefulSets)
    return skip(
      'not-eligible',
      'StatefulSets keep their replica count (ordinal identity, per-replica volumes) unless a policy sets allowStatefulSets',
    );
  if (w.ownedBy)
    return skip(
      'not-eligible',
      `${w.kind} is managed by ${w.ownedBy.kind} ${w.ownedBy.name}; its replicas are that operator's`,
    );
  const hpas = model.hpas.filter((h) => h.workload === w.key);
  if (hpas.length > 1)
    return skip(
      'not-eligible',
      `${hpas.length} HPAs target this workload (${hpas.map((h) => h.name).join(', ')}); they fight each other and need a human first`,
    );
  const hpa = hpas[0];
  if (hpa?.ownedBy)
    return skip(
      'hpa-owned',
      `HPA ${hpa.name} is owned by ${hpa.ownedBy.kind} ${hpa.ownedBy.name}, which would revert a direct change; tune it there`,
    );
  const usage = model.usage.get(w.key);
  if (!usage) return skip('no-metrics', 'no usage samples for this workload in the window');
  const v = demandView(usage.demand);
  const days = historyDays(v);
  const needDays = hpa ? a.minTuneHistoryDays : a.minHistoryDays;
  if (days < needDays)
    return skip(
      'insufficient-history',
      `${days.toFixed(1)} days of demand; ${needDays} needed before ${hpa ? 'tuning an HPA' : 'adopting an HPA'}`,
    );
  const live = w.replicas ?? w.podNames.length;
  if (hpa) return tune(model, w, hpa, v, a, ctx);
  if (live <= 1 && !a.allowSingletons)
    return skip(
      'not-eligible',
      'a singleton (1 replica): often a leader or a cache that must not be multiplied; a policy may set allowSingletons',
    );
  const peak = Math.max(...v.cpu);
  const fluct = fluctuation(v);
  const pod = podCpuRequest(model, w, ctx);
  if (fluct < a.minFluctuation || peak < a.minPeakCores) return fixed(w, v, a, pod, live, fluct, peak);
  if (!pod)
    return skip('no-cpu-request', 'no container has a CPU request, so utilization has no denominator');
  const { burstP95 } = targetUtilization(v, a.minTargetUtilization, a.maxTargetUtilization);
  if (burstP95 > (100 / a.minTargetUtilization) * 1.5)
    return skip(
      'too-bursty',
      `the hottest pod bursts to ${burstP95.toFixed(1)}× the average within minutes (P95): faster than an HPA reacts, and more than a ${a.minTargetUtilization}% target covers; size requests for the bursts instead`,
    );
  if (model.metricsApiAvailable !== true)
    return skip(
      'metrics-api-unavailable',
      `the metrics API (v1beta1.metrics.k8s.io) is ${model.metricsApiAvailable === false ? 'not Available' : 'not known to be Available'} in this cluster; an HPA would never scale`,
    );
  if (pod.container) {
    const cr = containerResourceSupported(model, ctx.clusterSettings);
    if (!cr.ok)
      return skip(
        'container-resource-unsupported',
        `not every container has a CPU request, so the HPA would measure container ${pod.container} (ContainerResource), which needs Kubernetes ≥ 1.27 (beta, on by default); this cluster is ${cr.version ?? 'of unknown version'}. Give every container a CPU request, or upgrade`,
      );
  }
  return adopt(model, w, v, a, ctx, pod, live, fluct);
}

type PodRequest = HpaRequest;

function ref(w: WorkloadModel) {
  return { apiVersion: w.apiVersion, kind: w.kind, namespace: w.namespace, name: w.name };
}

function baseEvidence(v: DemandView, why: string) {
  const days = Math.round(historyDays(v) * 10) / 10;
  return {
    window: { start: v.times[0] ?? 0, end: (v.times.at(-1) ?? 0) + v.step },
    samples: v.times.length,
    ooms: 0,
    confidence: {
      days,
      level: days >= 7 ? ('high' as const) : days >= 3 ? ('medium' as const) : ('low' as const),
    },
    why,
  };
}

/** Replica demand, hourly maxima, for the PR chart. */
function curve(v: DemandView, demand: number[]): { start: number; step: number; replicas: number[] } {
  const step = 3600;
  const start = Math.floor((v.times[0] ?? 0) / step) * step;
  const out: number[] = [];
  for (let i = 0; i < demand.length; i++) {
    const k = Math.floor((v.times[i]! - start) / step);
    out[k] = Math.max(out[k] ?? 0, Math.round(demand[i]! * 100) / 100);
  }
  return { start, step, replicas: Array.from(out, (x) => x ?? 0) };
}

function adopt(
  model: ClusterModel,
  w: WorkloadModel,
  v: DemandView,
  a: HpaArgs,
  ctx: AnalyzeContext,
  pod: PodRequest,
  live: number,
  fluct: number,
): Outcome {
  const { target, burstP95 } = targetUtilization(v, a.minTargetUtilization, a.maxTargetUtilization);
  const demand = replicaDemand({ ...v, cpu: v.cpu.map((c) => c * pod.share) }, pod.cores, target);
  const range = replicaRange(demand, {
    floor: a.minReplicasFloor,
    minPercentile: a.minPercentile,
    headroom: a.ceilingHeadroom,
    cap: a.maxReplicasCap,
    live,
  });
  const gate = toleranceSupported(model, ctx.clusterSettings);
  const tolerance = gate.enabled;
  const manifest = hpaManifest(
    w,
    { min: range.min, max: range.max, target, container: pod.container, tolerance },
    a,
  );
  const metric = pod.container ? `CPU of container ${pod.container}` : 'pod CPU';
  const why =
    `Demand swings ${fluct.toFixed(1)}× across the day (≥ ${a.minFluctuation}): an HPA on ${metric} at ${target}% ` +
    `(room for the P95 burst ×${burstP95.toFixed(2)}) runs ${range.min}–${range.max} replicas; ` +
    `the ceiling is ${Math.round(a.ceilingHeadroom * 100)}% over the highest demand seen (${range.peakDemand.toFixed(1)})` +
    (range.capped ? `, cut to the policy cap ${a.maxReplicasCap}` : '') +
    '.' +
    (gate.refused ? ` ${gate.refused}.` : '');
  return {
    recommendation: {
      id: recommendationId('hpa', w.key, 'autoscaling'),
      analyzer: 'hpa',
      workload: w.key,
      subject: 'adopt HPA',
      fields: [],
      objects: [
        {
          object: {
            apiVersion: 'autoscaling/v2',
            kind: 'HorizontalPodAutoscaler',
            namespace: w.namespace,
            name: w.name,
          },
          manifest,
          schema: 'https://tidemark.io/schemas/kubernetes/horizontalpodautoscaler-v2.json',
        },
      ],
      evidence: {
        ...baseEvidence(v, why),
        statistic: `P${Math.round(a.minPercentile * 100)} / max of ${v.step / 60}-minute replica demand`,
        peak: range.peakDemand,
      },
      risk: 'medium',
      // The HPA owns the replicas from now on. Git keeps its value (deleting it would reset the
      // workload to 1 on the next apply) and the GitOps engine is told to leave it alone.
      handOver:
        w.replicas !== undefined
          ? [{ object: ref(w), pointers: ['/spec/replicas'], owner: `HPA ${w.name}`, required: true }]
          : [],
      details: {
        decision: 'adopt-hpa' satisfies HpaDecision,
        liveReplicas: live,
        fluctuation: round(fluct),
        burstP95: round(burstP95),
        targetUtilization: target,
        minReplicas: range.min,
        maxReplicas: range.max,
        peakDemand: round(range.peakDemand),
        podRequestCores: round(pod.cores),
        requestFromRightsize: pod.fromRightsize,
        ...(pod.container ? { container: pod.container } : {}),
        demandShare: Math.round(pod.share * 1e6) / 1e6,
        tolerance,
        ...(gate.refused ? { toleranceRefused: gate.refused } : {}),
        replicasHandOver: w.replicas !== undefined,
        curve: curve(v, demand),
      },
    },
  };
}

function tune(
  model: ClusterModel,
  w: WorkloadModel,
  hpa: HpaModel,
  v: DemandView,
  a: HpaArgs,
  ctx: AnalyzeContext,
): Outcome {
  const idx = hpa.metrics.findIndex(
    (m) =>
      m.resource === 'cpu' &&
      (m.type === 'Resource' || m.type === 'ContainerResource') &&
      m.averageUtilization !== undefined,
  );
  if (idx < 0)
    return skip(
      'hpa-not-cpu',
      `HPA ${hpa.name} does not scale on CPU utilization; its metrics are the owner's choice`,
    );
  const metric = hpa.metrics[idx]!;
  // The denominator this HPA really uses (its container, or the whole pod), at the request that
  // will be live with the change: right-sizing's proposal travels in the same PR.
  const pod = metricCpuRequest(model, w, metric, ctx);
  if (!pod)
    return skip(
      'no-cpu-request',
      metric.type === 'ContainerResource'
        ? `the container HPA ${hpa.name} measures (${metric.container ?? '?'}) has no CPU request`
        : `not every container has a CPU request, so HPA ${hpa.name}'s pod utilization has no denominator`,
    );
  const cores = pod.cores;
  const share = pod.share;
  const current = metric.averageUtilization!;
  const { target: ideal, burstP95 } = targetUtilization(v, a.minTargetUtilization, a.maxTargetUtilization);
  // Up by at most a step per run (a higher target is a thinner margin); down at once.
  let target = ideal > current ? Math.min(ideal, current + a.maxTargetIncrease) : ideal;
  if (Math.abs(target - current) < a.minTargetChange) target = current;
  const demand = replicaDemand({ ...v, cpu: v.cpu.map((c) => c * share) }, cores, target);
  const live = w.replicas ?? hpa.currentReplicas ?? w.podNames.length;
  const range = replicaRange(demand, {
    floor: a.minReplicasFloor,
    minPercentile: a.minPercentile,
    headroom: a.ceilingHeadroom,
    cap: Math.max(a.maxReplicasCap, hpa.maxReplicas),
    live: Math.min(live, hpa.maxReplicas),
  });
  // The ceiling only rises: a lower one would cap a surge the old one allowed.
  const max = Math.max(hpa.maxReplicas, range.max);
  const min = Math.min(range.min, max);
  const object = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    namespace: hpa.namespace,
    name: hpa.name,
  };
  const fields: FieldProposal[] = [];
  const reasons: string[] = [];
  if (min !== hpa.minReplicas) {
    fields.push({ object, path: ['spec', 'minReplicas'], current: hpa.minReplicas, proposed: min });
    reasons.push(`floor ${hpa.minReplicas}→${min} (P${Math.round(a.minPercentile * 100)} of demand)`);
  }
  if (max !== hpa.maxReplicas) {
    fields.push({ object, path: ['spec', 'maxReplicas'], current: hpa.maxReplicas, proposed: max });
    reasons.push(
      `ceiling ${hpa.maxReplicas}→${max} (${Math.round(a.ceilingHeadroom * 100)}% over the peak demand ${range.peakDemand.toFixed(1)})`,
    );
  }
  if (target !== current) {
    const key = metric.type === 'ContainerResource' ? 'containerResource' : 'resource';
    fields.push({
      object,
      path: ['spec', 'metrics', idx, key, 'target', 'averageUtilization'],
      current,
      proposed: target,
    });
    reasons.push(
      `target ${current}%→${target}% (P95 burst ×${burstP95.toFixed(2)}${target !== ideal ? `, stepping toward ${ideal}%` : ''})`,
    );
  }
  if (!fields.length)
    return skip(
      'no-change',
      `HPA ${hpa.name} already fits: ${hpa.minReplicas}–${hpa.maxReplicas} at ${current}%`,
    );
  const onlyRaise = fields.every((f) => f.path[1] === 'maxReplicas');
  return {
    recommendation: {
      id: recommendationId('hpa', w.key, 'autoscaling'),
      analyzer: 'hpa',
      workload: w.key,
      subject: `tune HPA ${hpa.name}`,
      fields,
      objects: [],
      evidence: {
        ...baseEvidence(v, `Tune HPA ${hpa.name}: ${reasons.join('; ')}.`),
        peak: range.peakDemand,
      },
      risk: onlyRaise ? 'low' : 'medium',
      details: {
        decision: 'tune-hpa' satisfies HpaDecision,
        hpa: hpa.name,
        liveReplicas: live,
        burstP95: round(burstP95),
        targetUtilization: target,
        idealTargetUtilization: ideal,
        minReplicas: min,
        maxReplicas: max,
        peakDemand: round(range.peakDemand),
        podRequestCores: round(cores),
        // What cronhpa needs to size a schedule for this same HPA (see request.ts).
        demandShare: Math.round(share * 1e6) / 1e6,
        requestFromRightsize: pod.fromRightsize,
        ...(pod.container ? { container: pod.container } : {}),
        curve: curve(v, demand),
      },
    },
  };
}

/**
 * Fixed replicas: enough pods that demand at a high percentile runs at `fixedUtilization` of the
 * live request. When right-sizing changes that request in the same PR, the count waits a run:
 * turning both knobs at once would double the correction.
 */
function fixed(
  w: WorkloadModel,
  v: DemandView,
  a: HpaArgs,
  pod: PodRequest | undefined,
  live: number,
  fluct: number,
  peak: number,
): Outcome {
  const flat =
    fluct < a.minFluctuation
      ? `demand swings only ${fluct.toFixed(1)}× across the day (< ${a.minFluctuation}): fixed replicas serve it`
      : `demand peaks at ${peak.toFixed(2)} cores (< ${a.minPeakCores}): too small for an autoscaler's moving parts`;
  if (w.replicas === undefined) return skip('no-change', `${flat}; spec.replicas is unset, nothing to size`);
  if (!pod || pod.container)
    return skip('no-cpu-request', `${flat}, but not every container has a CPU request to size replicas by`);
  if (pod.fromRightsize)
    return skip(
      'replicas-deferred',
      `${flat}; right-sizing changes the CPU request in this PR, so the replica count is revisited once it is live`,
    );
  const high = percentile(v.cpu, a.fixedPercentile);
  const wanted = Math.max(a.minReplicasFloor, ceilSafe(high / (pod.cores * a.fixedUtilization)));
  if (Math.abs(wanted - live) < Math.max(1, Math.ceil(live * 0.2)))
    return skip('no-change', `${flat}; ${live} replicas fit (sized: ${wanted})`);
  const why = `${flat[0]!.toUpperCase()}${flat.slice(1)}. P${Math.round(a.fixedPercentile * 100)} demand ${high.toFixed(2)} cores at ${Math.round(a.fixedUtilization * 100)}% of ${pod.cores.toFixed(3)} cores per pod needs ${wanted} replicas (live: ${live}).`;
  const field: FieldProposal = {
    object: ref(w),
    path: ['spec', 'replicas'],
    current: w.replicas,
    proposed: wanted as JsonValue,
  };
  return {
    recommendation: {
      id: recommendationId('hpa', w.key, 'replicas'),
      analyzer: 'hpa',
      workload: w.key,
      subject: `replicas ${live}→${wanted}`,
      fields: [field],
      objects: [],
      evidence: { ...baseEvidence(v, why), percentile: a.fixedPercentile, peak },
      risk: wanted < live ? 'medium' : 'low',
      delta: {
        cpuCores: (wanted - live) * pod.cores,
        memoryBytes:
          (wanted - live) * w.template.containers.reduce((m, c) => m + (c.requests.memory ?? 0), 0),
      },
      details: {
        decision: 'fixed-replicas' satisfies HpaDecision,
        liveReplicas: live,
        replicas: wanted,
        fluctuation: round(fluct),
        podRequestCores: round(pod.cores),
      },
    },
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
