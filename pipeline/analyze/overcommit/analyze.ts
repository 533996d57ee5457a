/**
 * Overcommit: per node pool, what can be lent to the batch tier and the amplification ratio that
 * follows (pools.ts), rendered in the form the cluster runs — Koordinator's slo-controller-config
 * (per-pool nodeConfigs in colocation-config and resource-amplification-config) or OpenShift's
 * ClusterResourceOverride (one set of request/limit percentages per cluster, from pod
 * compression). Ratios follow load: lowered at once, raised a step per run, never above policy.
 */
import type { ClusterModel, GenericObjectModel } from '../../model/types.js';
import type {
  AnalyzeContext,
  AnalyzerResult,
  FieldProposal,
  JsonValue,
  Recommendation,
  Skipped,
} from '../types.js';
import { recommendationId } from '../types.js';
import { resolveOvercommitArgs, type OvercommitArgs, type OvercommitSettings } from './args.js';
import { buildPools, lendable, nextRatio, type Lendable, type Pool, type PoolResource } from './pools.js';
import { tierRatios, type Floors } from './compression.js';
import { CRO_LABEL } from '../../model/well-known.js';

export const SLO_CONFIG = { namespace: 'koordinator-system', name: 'slo-controller-config' };
export const SLO_SUBJECT = `ConfigMap/${SLO_CONFIG.namespace}/${SLO_CONFIG.name}`;
const COLOCATION = 'colocation-config';
const AMPLIFICATION = 'resource-amplification-config';

/* eslint-disable @typescript-eslint/no-explicit-any */

export function analyzeOvercommit(
  model: ClusterModel,
  given: OvercommitArgs,
  ctx: AnalyzeContext,
): AnalyzerResult {
  const settings = (ctx.clusterSettings.overcommit ?? {}) as OvercommitSettings;
  const args = resolveOvercommitArgs(given, settings);
  const label = args.poolLabel;
  const recommendations: Recommendation[] = [];
  const skipped: Skipped[] = [];
  const skip = (subject: string, reason: string, detail: string) =>
    skipped.push({ analyzer: 'overcommit', workload: subject, reason, detail });

  const { pools, unpooled } = buildPools(model, label, args.percentile);
  if (!settings.form) {
    if (pools.length)
      skip(
        `NodePool/${ctx.cluster}`,
        'no-overcommit-form',
        `${pools.length} pool(s) by ${label}; set clusters[].settings.overcommit.form (koordinator or openshift) to render ratios`,
      );
    return { recommendations, skipped };
  }
  if (settings.form === 'koordinator') {
    const live = model.others
      .get('/ConfigMap')
      ?.find((o) => o.namespace === SLO_CONFIG.namespace && o.name === SLO_CONFIG.name);
    if (!pools.length) skip(SLO_SUBJECT, 'no-pools', `no node carries the pool label ${label}`);
    else if (!live?.data)
      skip(
        SLO_SUBJECT,
        'not-in-cluster',
        `${SLO_SUBJECT} is not in the cluster (Koordinator not installed, or not readable): nothing to tune`,
      );
    else {
      const rec = koordinator(model, live, pools, unpooled, args, label, ctx, skip);
      if ('skip' in rec) skip(SLO_SUBJECT, rec.skip.reason, rec.skip.detail);
      else recommendations.push(rec);
    }
  } else {
    recommendations.push(...openshift(model, args, ctx, skip));
  }
  return { recommendations, skipped };
}

function parseJson(text: string | undefined, what: string): any | { error: string } {
  if (text === undefined) return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return { error: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

function upsert(list: any, pool: Pool, label: string, fields: Record<string, JsonValue>): any[] {
  const out: any[] = Array.isArray(list) ? list.map((x: any) => ({ ...x })) : [];
  const i = out.findIndex((x) => x?.name === pool.name);
  const base = i >= 0 ? out[i] : { name: pool.name, nodeSelector: { matchLabels: { [label]: pool.name } } };
  const next = { ...base, ...fields };
  if (i >= 0) out[i] = next;
  else out.push(next);
  return out;
}

function koordinator(
  model: ClusterModel,
  live: GenericObjectModel,
  pools: Pool[],
  unpooled: string[],
  args: OvercommitArgs,
  label: string,
  ctx: AnalyzeContext,
  skip: (subject: string, reason: string, detail: string) => void,
): Recommendation | { skip: { reason: string; detail: string } } {
  const colocation = parseJson(live.data![COLOCATION], COLOCATION);
  const amplification = parseJson(live.data![AMPLIFICATION], AMPLIFICATION);
  for (const x of [colocation, amplification])
    if (x && typeof x === 'object' && 'error' in x)
      return { skip: { reason: 'invalid-live-config', detail: x.error } };
  let nextColocation: any = { ...colocation };
  let nextAmplification: any = { ...amplification };
  const details: Record<string, unknown>[] = [];
  // A margin at or above the threshold leaves Koordinator nothing to reclaim: 0, never negative
  // (its schema and Koordinator both reject a negative percent), and said so.
  const reclaim = (r: 'cpu' | 'memory') =>
    Math.max(0, Math.floor(100 * (args[r].threshold - args.margin) + 1e-9));
  for (const r of ['cpu', 'memory'] as const)
    if (args.margin >= args[r].threshold)
      skip(
        SLO_SUBJECT,
        'margin-exceeds-threshold',
        `${r}: margin ${args.margin} ≥ threshold ${args[r].threshold}, so nothing can be lent; ${r}ReclaimThresholdPercent is clamped to 0 (not ${Math.floor(100 * (args[r].threshold - args.margin) + 1e-9)}) and the ratio stays 1.0`,
      );
  for (const pool of pools) {
    const existing = (Array.isArray(amplification.nodeConfigs) ? amplification.nodeConfigs : []).find(
      (n: any) => n?.name === pool.name,
    );
    const currentOf = (r: 'cpu' | 'memory'): number =>
      Number(
        existing?.resourceAmplificationRatio?.[r] ?? amplification.resourceAmplificationRatio?.[r] ?? 1,
      ) || 1;
    const cpu = lendable(pool.cpu, args.cpu, args.margin);
    const memory = lendable(pool.memory, args.memory, args.margin);
    const nextCpu = nextRatio(cpu.rawRatio, currentOf('cpu'), args.cpu.maxRatio, args.raiseStep);
    const nextMem = nextRatio(memory.rawRatio, currentOf('memory'), args.memory.maxRatio, args.raiseStep);
    nextAmplification = {
      ...nextAmplification,
      nodeConfigs: upsert(nextAmplification.nodeConfigs, pool, label, {
        resourceAmplificationRatio: { cpu: nextCpu.ratio, memory: nextMem.ratio },
      }),
    };
    // Koordinator's own batch capacity, capacity × threshold − usage − system, then leaves our margin.
    nextColocation = {
      ...nextColocation,
      nodeConfigs: upsert(nextColocation.nodeConfigs, pool, label, {
        cpuReclaimThresholdPercent: reclaim('cpu'),
        memoryReclaimThresholdPercent: reclaim('memory'),
      }),
    };
    details.push({
      pool: pool.name,
      nodes: pool.nodes.length,
      cpu: {
        ...round(pool.cpu),
        ...round(cpu),
        ...round(loadBounds(pool.cpu, args.cpu.threshold, cpu, nextCpu.ratio)),
        current: currentOf('cpu'),
        ratio: nextCpu.ratio,
        change: nextCpu.why,
        maxRatio: args.cpu.maxRatio,
        threshold: args.cpu.threshold,
        reclaimPercent: reclaim('cpu'),
        policy: args.cpu.policy,
      },
      memory: {
        ...round(pool.memory),
        ...round(memory),
        ...round(loadBounds(pool.memory, args.memory.threshold, memory, nextMem.ratio)),
        current: currentOf('memory'),
        ratio: nextMem.ratio,
        change: nextMem.why,
        maxRatio: args.memory.maxRatio,
        threshold: args.memory.threshold,
        reclaimPercent: reclaim('memory'),
        policy: args.memory.policy,
      },
    });
  }
  const fields: FieldProposal[] = [];
  const object = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: SLO_CONFIG.namespace,
    name: SLO_CONFIG.name,
  };
  const propose = (key: string, next: any, schema: string) => {
    if (JSON.stringify(next) === JSON.stringify(key === COLOCATION ? colocation : amplification)) return;
    fields.push({
      object,
      path: ['data', key],
      current: live.data![key],
      proposed: next as JsonValue,
      schema,
    });
  };
  propose(
    COLOCATION,
    nextColocation,
    'https://tidemark.io/schemas/kubernetes/koordinator-colocation-config.json',
  );
  propose(
    AMPLIFICATION,
    nextAmplification,
    'https://tidemark.io/schemas/kubernetes/koordinator-resource-amplification-config.json',
  );
  if (!fields.length)
    return {
      skip: {
        reason: 'no-change',
        detail: `every pool's ratio and threshold already fit (${pools.map((p) => p.name).join(', ')})`,
      },
    };
  const why = details
    .map(
      (d: any) =>
        `${d.pool}: CPU ×${d.cpu.current}→×${d.cpu.ratio} (${d.cpu.change}), memory ×${d.memory.current}→×${d.memory.ratio} (${d.memory.change})`,
    )
    .join('; ');
  const warn =
    amplification.enable === false || amplification.enable === undefined
      ? ' resource-amplification-config has enable: false, so the ratios take effect only once a human enables it.'
      : '';
  return {
    id: recommendationId('overcommit', SLO_SUBJECT, 'pools'),
    analyzer: 'overcommit',
    workload: SLO_SUBJECT,
    subject: `overcommit for ${pools.length} pool(s)`,
    fields,
    objects: [],
    evidence: {
      window: usageWindowOf(model, ctx.now),
      samples: pools.length,
      ooms: 0,
      confidence: confidenceOf(model),
      statistic: `P${Math.round(args.percentile * 100)} of each container's usage, summed per pool`,
      why: `Lendable capacity per pool = capacity × threshold − higher tiers − system reserved − ${Math.round(args.margin * 100)}% margin. ${why}.${warn}`,
    },
    risk: 'medium',
    details: {
      form: 'koordinator',
      poolLabel: label,
      margin: args.margin,
      raiseStep: args.raiseStep,
      percentile: args.percentile,
      pools: details,
      unpooledNodes: unpooled,
    },
  };
}

function openshift(
  model: ClusterModel,
  args: OvercommitArgs,
  ctx: AnalyzeContext,
  skip: (subject: string, reason: string, detail: string) => void,
): Recommendation[] {
  const out: Recommendation[] = [];
  const live = model.others.get('operator.autoscaling.openshift.io/ClusterResourceOverride')?.[0];
  const subject = `ClusterResourceOverride//${live?.name ?? 'cluster'}`;
  // Namespaces opt in by label; a per-namespace policy (settings.overcommit.croOptIn) may ask for it.
  for (const ns of [...model.namespaces.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    if (ns.labels[CRO_LABEL] === 'true') continue;
    const inNs = [...model.workloads.values()].filter((w) => w.namespace === ns.name);
    const asks = inNs.some(
      (w) => (ctx.overrides?.(w.key, 'overcommit') as { croOptIn?: boolean })?.croOptIn === true,
    );
    if (!asks) continue;
    out.push({
      id: recommendationId('overcommit', `Namespace//${ns.name}`, 'cro-opt-in'),
      analyzer: 'overcommit',
      workload: `Namespace//${ns.name}`,
      subject: `opt namespace ${ns.name} in to ClusterResourceOverride`,
      fields: [
        {
          object: { apiVersion: 'v1', kind: 'Namespace', name: ns.name },
          path: ['metadata', 'labels', CRO_LABEL],
          current: ns.labels[CRO_LABEL],
          proposed: 'true',
        },
      ],
      objects: [],
      evidence: {
        window: { start: ctx.now, end: ctx.now },
        samples: inNs.length,
        ooms: 0,
        why: `A policy asks for ${ns.name} to opt in: from then on the override rewrites the requests of every new pod there.`,
      },
      risk: 'high',
    });
  }
  if (!live) {
    skip(
      subject,
      'not-in-cluster',
      'no ClusterResourceOverride in the cluster (the operator is not installed): nothing to tune',
    );
    return out;
  }
  const optedIn = new Set(
    [...model.namespaces.values()].filter((n) => n.labels[CRO_LABEL] === 'true').map((n) => n.name),
  );
  const workloads = [...model.workloads.values()].filter(
    (w) => optedIn.has(w.namespace) && w.kind !== 'Job' && w.kind !== 'CronJob',
  );
  if (!workloads.length) {
    skip(
      subject,
      'no-opted-in-workloads',
      `no namespace has ${CRO_LABEL}=true; labels are never flipped wholesale`,
    );
    return out;
  }
  // Right-sizing's floors; a per-workload policy (a namespace's own floor) wins, rightsize's first.
  // Without one, the higher of this analyzer's floor and right-sizing's configured one.
  const rightsize = (ctx.argsOf?.('rightsize') ?? {}) as Partial<Floors>;
  const base: Floors = {
    podMinCpuMillis: Math.max(args.podMinCpuMillis, rightsize.podMinCpuMillis ?? 0),
    podMinMemoryBytes: Math.max(args.podMinMemoryBytes, rightsize.podMinMemoryBytes ?? 0),
  };
  const floorsOf = (w: { key: string }): Floors => {
    const r = (ctx.overrides?.(w.key, 'rightsize') ?? {}) as Partial<Floors>;
    const o = (ctx.overrides?.(w.key, 'overcommit') ?? {}) as Partial<Floors>;
    return {
      podMinCpuMillis: r.podMinCpuMillis ?? o.podMinCpuMillis ?? base.podMinCpuMillis,
      podMinMemoryBytes: r.podMinMemoryBytes ?? o.podMinMemoryBytes ?? base.podMinMemoryBytes,
    };
  };
  const tiers = tierRatios(model, workloads, {
    usagePercentile: args.percentile,
    acrossPercentile: args.compressionPercentile,
    ...(args.tierLabel ? { tierLabel: args.tierLabel } : {}),
    floorsOf,
  });
  // One set of percentages for the whole cluster: the most generous tier, so no tier is squeezed,
  // and never below any covered workload's floor (a tier without usage data still has floors).
  const clusterPct = (r: 'cpu' | 'memory'): number => {
    const usage = Math.max(...tiers.map((t) => t[`${r}Percent`] ?? 0));
    return usage > 0 ? Math.max(usage, ...tiers.map((t) => t[`${r}FloorPercent`] ?? 0)) : 0;
  };
  const cpuPct = clusterPct('cpu');
  const memPct = clusterPct('memory');
  const oomed = tiers.flatMap((t) => t.excludedOom);
  const spec = ((live.spec as any)?.podResourceOverride?.spec ?? {}) as Record<string, number | undefined>;
  const object = {
    apiVersion: 'operator.autoscaling.openshift.io/v1',
    kind: 'ClusterResourceOverride',
    name: live.name,
  };
  const fields: FieldProposal[] = [];
  const field = (key: string, value: number) => {
    if (!(value > 0) || spec[key] === value) return;
    fields.push({
      object,
      path: ['spec', 'podResourceOverride', 'spec', key],
      current: spec[key],
      proposed: value,
    });
  };
  field('cpuRequestToLimitPercent', cpuPct);
  // A workload OOM-killed in the window is rewritten by the override like any other in its
  // namespace: memory is never compressed further while one is there. Unset stays unset (setting
  // it would start compressing); a set percent may only rise.
  const memNow = spec.memoryRequestToLimitPercent;
  let memoryDecision: string;
  if (!oomed.length) {
    field('memoryRequestToLimitPercent', memPct);
    memoryDecision = `${memPct}%`;
  } else if (memNow !== undefined && memPct > memNow) {
    field('memoryRequestToLimitPercent', memPct);
    memoryDecision = `raised to ${memPct}% (OOM kills in the window)`;
  } else {
    const nss = [...new Set(oomed.map((k) => k.split('/')[1]))].sort();
    memoryDecision =
      memNow === undefined
        ? 'left unset (OOM kills in the window)'
        : `kept at ${memNow}% (OOM kills in the window)`;
    skip(
      subject,
      'oom-in-window',
      `memoryRequestToLimitPercent ${memNow === undefined ? 'left unset' : `kept at ${memNow}%`}, not ${memPct}%: ${oomed.join(', ')} OOM-killed in the window in opted-in namespace(s) ${nss.join(', ')}, and the override would compress them too`,
    );
  }
  if (fields.length)
    out.push({
      id: recommendationId('overcommit', subject, 'compression'),
      analyzer: 'overcommit',
      workload: subject,
      subject: 'request/limit percentages',
      fields,
      objects: [],
      evidence: {
        window: usageWindowOf(model, ctx.now),
        samples: workloads.length,
        ooms: oomed.length,
        confidence: confidenceOf(model),
        statistic: `P${Math.round(args.compressionPercentile * 100)} across workloads of P${Math.round(args.percentile * 100)} usage / limit`,
        why: `Requests at ${cpuPct}% (CPU) and ${memoryDecision} (memory) of limits cover the usage of ${Math.round(args.compressionPercentile * 100)}% of the opted-in workloads, never below right-sizing's floors; limits keep the burst headroom.${oomed.length ? ` Not compressed: ${oomed.join(', ')} (OOM-killed in the window).` : ''}`,
      },
      risk: 'medium',
      details: {
        form: 'openshift',
        tiers,
        ...(args.tierLabel ? { tierLabel: args.tierLabel } : {}),
        cpuPercent: cpuPct,
        memoryPercent: memPct,
        memory: memoryDecision,
        optedInNamespaces: [...optedIn].sort(),
      },
    });
  else skip(subject, 'no-change', `the percentages already fit (CPU ${cpuPct}%, memory ${memPct}%)`);
  return out;
}

/**
 * When load rises: the level of what the higher tiers hold (their usage, or max(usage, request))
 * at which the pool lends nothing (ratio back to 1.0), and above which the next run lowers the
 * ratio proposed now.
 */
function loadBounds(
  r: PoolResource,
  threshold: number,
  l: Lendable,
  ratio: number,
): { fallsBackAt: number; lowersAbove: number } {
  const fallsBackAt = Math.max(0, r.capacity * threshold - r.reserved - l.margin);
  return { fallsBackAt, lowersAbove: Math.max(0, fallsBackAt - (ratio - 1) * r.allocatable) };
}

function usageWindowOf(model: ClusterModel, now: number): { start: number; end: number } {
  return model.usageWindow
    ? { start: model.usageWindow.start, end: model.usageWindow.end }
    : { start: now, end: now };
}

/** Days of usage behind the figures (the window the digests cover). */
function confidenceOf(model: ClusterModel): { days: number; level: 'low' | 'medium' | 'high' } {
  const w = model.usageWindow;
  const days = w ? Math.round(((w.end - w.start) / 86400) * 10) / 10 : 0;
  return { days, level: days >= 7 ? 'high' : days >= 3 ? 'medium' : 'low' };
}

function round(o: object): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round((v as number) * 1000) / 1000]));
}
