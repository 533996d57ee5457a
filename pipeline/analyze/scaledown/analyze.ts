/**
 * Scale-down: score every workload, pod and node (scores.ts), then walk the nodes from the
 * cheapest to remove: a node is proposed when nothing pins it (blockers.ts), no PDB forbids the
 * evictions, and every pod finds a home on the nodes that remain (packing.ts). Nodes are not in
 * Git, so the result is a report (drain order, moves, evictions) — plus, where the repo sizes a
 * node pool in a file named in config, that size, and the eviction guards a policy asks for on
 * the pod templates of workloads that must never move.
 */
import type { ClusterModel, PdbModel, PodModel, WorkloadModel } from '../../model/types.js';
import type { AnalyzeContext, AnalyzerResult, FieldProposal, Recommendation, Skipped } from '../types.js';
import { recommendationId } from '../types.js';
import { SCALEDOWN_DEFAULTS, type CapacitySettings, type ScaledownArgs } from './args.js';
import { buildContext, podIndex, podKey, requestedShare } from './context.js';
import { nodeScore, podScore, workloadScore, type Score } from './scores.js';
import { DO_NOT_DISRUPT, SAFE_TO_EVICT, nodeBlocker, podBlocker } from './blockers.js';
import { buildCluster, podsToMove, simulateDrain, type Move } from './packing.js';
import type { LabelSelector } from './selectors.js';
import {
  cpuStyleOf,
  formatCpu,
  formatMemory,
  memoryUnitOf,
  parseCpu,
  parseMemory,
} from '../../core/quantity.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const DEFAULT_POOL_LABEL = 'karpenter.sh/nodepool';

export interface NodeReport {
  node: string;
  pool?: string;
  score: number;
  factors: Score['factors'];
  requestedShare: number;
  status: 'candidate' | 'kept';
  reason: string;
  /** Drain order, 1 first (candidates only). */
  order?: number;
  moves?: Move[];
  /** PodDisruptionBudgets the evictions go through, with what they allow now. */
  evictions?: { pdb: string; pods: number; allowed: number }[];
  pods: { pod: string; workload?: string; score: number; factors: Score['factors'] }[];
}

export interface ScaledownReport {
  threshold: number;
  candidateUtilization: number;
  nodes: NodeReport[];
  workloads: { workload: string; score: number; factors: Score['factors'] }[];
  /** Capacity the candidates free, summed (millicores, bytes). */
  freed: { nodes: number; cpu: number; memory: number };
}

export function mergeArgs(base: ScaledownArgs, given: Partial<ScaledownArgs> | undefined): ScaledownArgs {
  const g = given ?? {};
  return {
    ...base,
    ...g,
    workloadWeights: { ...base.workloadWeights, ...g.workloadWeights },
    podWeights: { ...base.podWeights, ...g.podWeights },
    nodeWeights: { ...base.nodeWeights, ...g.nodeWeights },
    scales: { ...base.scales, ...g.scales },
  } as ScaledownArgs;
}

export function analyzeScaledown(
  model: ClusterModel,
  given: ScaledownArgs,
  ctx: AnalyzeContext,
): AnalyzerResult {
  const args = mergeArgs(SCALEDOWN_DEFAULTS, given);
  const settings = (ctx.clusterSettings.capacity ?? {}) as CapacitySettings;
  const poolLabel = settings.poolLabel ?? DEFAULT_POOL_LABEL;
  const perCache = new Map<string, ScaledownArgs>();
  const per = (w: string): ScaledownArgs => {
    let v = perCache.get(w);
    if (!v) perCache.set(w, (v = mergeArgs(args, ctx.overrides?.(w, 'scaledown') as Partial<ScaledownArgs>)));
    return v;
  };
  const cctx = buildContext(model, args.candidateUtilization);

  const workloadScores = new Map<string, Score>();
  for (const w of model.workloads.values())
    workloadScores.set(w.key, workloadScore(w, cctx, per(w.key), ctx.now));
  const podScores = new Map<string, Score>();
  for (const pods of cctx.podsOn.values())
    for (const p of pods) {
      const ws = p.workload ? workloadScores.get(p.workload) : undefined;
      podScores.set(podKey(p), podScore(p, ws, cctx, (p.workload ? per(p.workload) : args).podWeights));
    }

  const pdbsOf = pdbIndex(model);
  const cluster = buildCluster(model, cctx.podsOn, cctx.requested);
  const reports: NodeReport[] = [];
  for (const n of model.nodes.values()) {
    const pods = (cctx.podsOn.get(n.name) ?? []).map((p) => ({ pod: p, score: podScores.get(podKey(p))! }));
    const s = nodeScore(n, pods, cctx, args);
    reports.push({
      node: n.name,
      pool: n.labels[poolLabel],
      score: s.score,
      factors: s.factors,
      requestedShare: Math.round(requestedShare(n, cctx.requested.get(n.name)) * 1000) / 1000,
      status: 'kept',
      reason: '',
      pods: pods.map((p) => ({
        pod: podKey(p.pod),
        workload: p.pod.workload,
        score: p.score.score,
        factors: p.score.factors,
      })),
    });
  }
  reports.sort((a, b) => a.score - b.score || a.node.localeCompare(b.node));

  let order = 0;
  for (const r of reports) {
    const n = model.nodes.get(r.node)!;
    const blocked = nodeBlocker(n);
    if (blocked) {
      r.reason = blocked;
      continue;
    }
    if (r.requestedShare >= args.candidateUtilization) {
      r.reason = `requests ${pct(r.requestedShare)} of allocatable (≥ ${pct(args.candidateUtilization)})`;
      continue;
    }
    if (r.score >= args.threshold) {
      r.reason = `NodeScore ${r.score} ≥ threshold ${args.threshold}`;
      continue;
    }
    if (order >= args.maxNodes) {
      r.reason = `${args.maxNodes} node(s) already proposed this run (maxNodes)`;
      continue;
    }
    const pods = podsToMove(cluster.nodes.get(n.name)!.residents);
    const pinned = pods
      .map((p) => podBlocker(p, model, (pdbsOf.get(podKey(p)) ?? []).length > 0))
      .find(Boolean);
    if (pinned) {
      r.reason = pinned;
      continue;
    }
    const pdbs = evictionsThrough(pods, pdbsOf);
    const stuck = pdbs.find((e) => e.allowed <= 0);
    if (stuck) {
      r.reason = `PodDisruptionBudget ${stuck.pdb} allows no disruption now; ${stuck.pods} pod(s) here need it`;
      continue;
    }
    const drain = simulateDrain(cluster, n.name, cctx.requests);
    if (!drain.ok) {
      const why = Object.entries(drain.reasons)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([k, v]) => `${k} (${v} node(s))`)
        .join('; ');
      r.reason = `pod ${drain.pod} fits on no other node: ${why || 'no other node'}`;
      continue;
    }
    r.status = 'candidate';
    r.order = ++order;
    r.moves = drain.moves;
    r.evictions = pdbs;
    r.reason = `NodeScore ${r.score} < ${args.threshold}; its ${drain.moves.length} pod(s) fit on the remaining nodes`;
  }

  const candidates = reports.filter((r) => r.status === 'candidate').sort((a, b) => a.order! - b.order!);
  const report: ScaledownReport = {
    threshold: args.threshold,
    candidateUtilization: args.candidateUtilization,
    nodes: reports,
    workloads: [...workloadScores].map(([workload, s]) => ({ workload, score: s.score, factors: s.factors })),
    freed: {
      nodes: candidates.length,
      cpu: candidates.reduce((s, r) => s + (model.nodes.get(r.node)!.allocatable.cpu ?? 0), 0),
      memory: candidates.reduce((s, r) => s + (model.nodes.get(r.node)!.allocatable.memory ?? 0), 0),
    },
  };

  const recommendations: Recommendation[] = [];
  const skipped: Skipped[] = [];
  recommendations.push(...nodeGroupSizes(model, candidates, settings, poolLabel, ctx, skipped));
  recommendations.push(...nodePoolLimits(model, candidates, ctx));
  for (const w of model.workloads.values()) {
    const rec = protectRecommendation(w, per(w.key).protect, workloadScores.get(w.key)!, ctx);
    if (rec) recommendations.push(rec);
  }
  return {
    recommendations,
    skipped,
    reports: [
      {
        analyzer: 'scaledown',
        title: 'Scale-down candidates',
        data: report as unknown as Record<string, unknown>,
      },
    ],
  };
}

const pct = (x: number): string => `${Math.round(x * 100)} %`;

function pdbIndex(model: ClusterModel): Map<string, PdbModel[]> {
  const index = podIndex(model);
  const out = new Map<string, PdbModel[]>();
  for (const pdb of model.pdbs)
    for (const p of index.matching(pdb.namespace, pdb.selector as LabelSelector)) {
      const list = out.get(podKey(p)) ?? [];
      list.push(pdb);
      out.set(podKey(p), list);
    }
  return out;
}

function evictionsThrough(
  pods: PodModel[],
  pdbsOf: Map<string, PdbModel[]>,
): NonNullable<NodeReport['evictions']> {
  const by = new Map<string, { pdb: string; pods: number; allowed: number }>();
  for (const p of pods)
    for (const pdb of pdbsOf.get(podKey(p)) ?? []) {
      const id = `${pdb.namespace}/${pdb.name}`;
      const e = by.get(id) ?? { pdb: id, pods: 0, allowed: pdb.disruptionsAllowed ?? 0 };
      e.pods++;
      by.set(id, e);
    }
  return [...by.values()].sort((a, b) => a.pdb.localeCompare(b.pdb));
}

/** A node pool whose size lives in a file of the repo shrinks by the nodes drained from it. */
function nodeGroupSizes(
  model: ClusterModel,
  candidates: NodeReport[],
  settings: CapacitySettings,
  poolLabel: string,
  ctx: AnalyzeContext,
  skipped: Skipped[],
): Recommendation[] {
  const out: Recommendation[] = [];
  for (const g of settings.nodeGroups ?? []) {
    const removed = candidates.filter((c) => c.pool === g.pool);
    if (!removed.length) continue;
    const live = [...model.nodes.values()].filter((n) => n.labels[poolLabel] === g.pool && !n.virtual).length;
    const workload = `NodeGroup//${g.pool}`;
    if (live - removed.length < 1) {
      skipped.push({
        analyzer: 'scaledown',
        workload,
        reason: 'below-threshold',
        detail: `pool ${g.pool} would have no node left; a pool is never sized to zero`,
      });
      continue;
    }
    const field: FieldProposal = {
      object: { apiVersion: 'tidemark.io/v1alpha1', kind: 'NodeGroup', name: g.pool },
      path: parseDotted(g.path),
      current: live,
      proposed: live - removed.length,
      file: g.file,
    };
    out.push({
      id: recommendationId('scaledown', workload, 'node count'),
      analyzer: 'scaledown',
      workload,
      subject: 'node count',
      fields: [field],
      objects: [],
      evidence: {
        window: { start: model.usageWindow?.start ?? ctx.now, end: ctx.now },
        samples: 0,
        ooms: 0,
        why: `${removed.length} node(s) of pool ${g.pool} (${removed.map((r) => r.node).join(', ')}) can be drained: every pod fits on the remaining nodes; ${live} → ${live - removed.length} nodes`,
      },
      risk: removed.length > 1 ? 'medium' : 'low',
      details: { pool: g.pool, nodes: removed.map((r) => r.node), file: g.file, path: g.path },
    });
  }
  return out;
}

/**
 * A Karpenter NodePool caps its pool with `spec.limits`; after a drain the cap comes down by the
 * drained nodes' capacity, so Karpenter cannot provision the same room back. Only limits that
 * exist are lowered, never below what the remaining nodes of the pool hold.
 */
function nodePoolLimits(
  model: ClusterModel,
  candidates: NodeReport[],
  ctx: AnalyzeContext,
): Recommendation[] {
  const out: Recommendation[] = [];
  for (const pool of model.others.get('karpenter.sh/NodePool') ?? []) {
    const nodes = [...model.nodes.values()].filter((n) => n.labels[DEFAULT_POOL_LABEL] === pool.name);
    const drained = candidates.filter((c) => nodes.some((n) => n.name === c.node));
    if (!drained.length) continue;
    const limits = ((pool.spec as any)?.limits ?? {}) as Record<string, string | number>;
    const fields: FieldProposal[] = [];
    for (const [resource, parse, format] of [
      ['cpu', parseCpu, (m: number) => formatCpu(m, cpuStyleOf(limits.cpu))],
      ['memory', parseMemory, (b: number) => formatMemory(b, memoryUnitOf(limits.memory))],
    ] as const) {
      const raw = limits[resource];
      if (raw === undefined) continue;
      const capacity = (names: string[]) =>
        names.reduce((s, n) => s + (model.nodes.get(n)?.capacity[resource] ?? 0), 0);
      const removed = capacity(drained.map((d) => d.node));
      const remaining = capacity(nodes.map((n) => n.name).filter((n) => !drained.some((d) => d.node === n)));
      const next = Math.max(parse(raw) - removed, remaining);
      if (next >= parse(raw)) continue;
      fields.push({
        object: { apiVersion: 'karpenter.sh/v1', kind: 'NodePool', name: pool.name },
        path: ['spec', 'limits', resource],
        current: raw,
        proposed: format(next),
      });
    }
    if (!fields.length) continue;
    const workload = `NodePool//${pool.name}`;
    out.push({
      id: recommendationId('scaledown', workload, 'limits'),
      analyzer: 'scaledown',
      workload,
      subject: 'limits',
      fields,
      objects: [],
      evidence: {
        window: { start: model.usageWindow?.start ?? ctx.now, end: ctx.now },
        samples: 0,
        ooms: 0,
        why: `${drained.length} node(s) of NodePool ${pool.name} (${drained.map((d) => d.node).join(', ')}) can be drained: every pod fits on the remaining nodes; the pool's limits come down by their capacity so Karpenter does not provision it again`,
      },
      risk: drained.length > 1 ? 'medium' : 'low',
      details: { pool: pool.name, nodes: drained.map((d) => d.node) },
    });
  }
  return out;
}

export function parseDotted(path: string): (string | number)[] {
  return path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function protectRecommendation(
  w: WorkloadModel,
  protect: ScaledownArgs['protect'],
  score: Score,
  ctx: AnalyzeContext,
): Recommendation | undefined {
  if (!protect || w.kind === 'DaemonSet') return undefined;
  const want: [string, string][] = [];
  if (protect === 'cluster-autoscaler' || protect === 'both') want.push([SAFE_TO_EVICT, 'false']);
  if (protect === 'karpenter' || protect === 'both') want.push([DO_NOT_DISRUPT, 'true']);
  const object = { apiVersion: w.apiVersion, kind: w.kind, namespace: w.namespace, name: w.name };
  const base = w.kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : ['spec', 'template'];
  const fields: FieldProposal[] = want
    .filter(([k, v]) => w.template.annotations[k] !== v)
    .map(([k, v]) => ({
      object,
      path: [...base, 'metadata', 'annotations', k],
      current: w.template.annotations[k],
      proposed: v,
    }));
  if (!fields.length) return undefined;
  return {
    id: recommendationId('scaledown', w.key, 'eviction guard'),
    analyzer: 'scaledown',
    workload: w.key,
    subject: 'eviction guard',
    fields,
    objects: [],
    evidence: {
      window: { start: ctx.now, end: ctx.now },
      samples: 0,
      ooms: 0,
      why: `a policy marks ${w.key} as never to be moved; node autoscalers will leave its nodes alone (WorkloadScore ${score.score})`,
    },
    risk: 'low',
    details: { protect },
  };
}
