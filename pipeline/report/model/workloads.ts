/**
 * Per workload of one snapshot: what it costs (requests × replicas × its price), what its P95 use
 * would cost, the idle part, and what each stage's proposal saves. Every figure comes from
 * plan.json: the inventory (requests, replicas, usage, price) and the rendered recommendations.
 *
 *  - right-sizing: the plan's own saving of each recommendation (requests freed × replicas × price);
 *  - autoscaling: replicas now against the mean an HPA would run over the window's demand curve
 *    (clamped to its floor and ceiling), times a pod at its proposed requests;
 *  - placement: the monthly saving the placement analyzer computed (its node and serverless prices).
 * Overcommit and scale-down act on nodes and are counted per cluster (stages.ts).
 */
import type { PlanClusterJson, PlanRecommendationJson } from '../../plan/plan-document.js';
import type { InventoryWorkloadJson } from '../../plan/inventory.js';
import { parseCpu, parseMemory } from '../../core/quantity.js';
import type { StageId } from '../data.js';
import { monthly, type Price } from './money.js';

export interface ContainerFigures {
  name: string;
  cpuCores: number;
  memoryBytes: number;
  proposedCpuCores?: number;
  proposedMemoryBytes?: number;
}

export interface WorkloadFigures {
  key: string;
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  team?: string;
  core?: string;
  replicas: number;
  price: Price;
  inv: InventoryWorkloadJson;
  containers: ContainerFigures[];
  /** Per pod, with the proposed requests. */
  proposedPod: { cpuCores: number; memoryBytes: number };
  cost: number;
  usedCost: number;
  idle: number;
  proposedCost: number;
  byStage: Record<StageId, number>;
  saving: number;
  recs: PlanRecommendationJson[];
}

export const NO_STAGES: Record<StageId, number> = {
  rightsize: 0,
  autoscaling: 0,
  overcommit: 0,
  scaledown: 0,
  placement: 0,
};

const REQUEST_RE = /containers\[name=([^\]]+)\]\.resources\.requests\.(cpu|memory)$/;

/** A recommendation that will reach Git: accepted or clamped, and rendered. */
export function isProposed(r: PlanRecommendationJson): boolean {
  return r.decision !== 'rejected' && r.render.status === 'rendered';
}

export function stageOf(analyzer: string): StageId | undefined {
  if (analyzer === 'rightsize') return 'rightsize';
  if (analyzer === 'hpa' || analyzer === 'cronhpa') return 'autoscaling';
  if (analyzer === 'overcommit' || analyzer === 'scaledown' || analyzer === 'placement') return analyzer;
  return undefined;
}

export function clusterPrice(c: PlanClusterJson): Price {
  const p = c.inventory!.prices;
  return { cpuCoreHour: p.cpuCoreHour, memoryGiBHour: p.memoryGiBHour };
}

const computed = new WeakMap<PlanClusterJson, Map<string, WorkloadFigures>>();

/** The figures of every workload of a snapshot (computed once per snapshot). */
export function workloadFigures(c: PlanClusterJson): Map<string, WorkloadFigures> {
  let out = computed.get(c);
  if (!out) {
    out = figuresOf(c);
    computed.set(c, out);
  }
  return out;
}

function figuresOf(c: PlanClusterJson): Map<string, WorkloadFigures> {
  const out = new Map<string, WorkloadFigures>();
  if (!c.inventory) return out;
  const recsByWorkload = new Map<string, PlanRecommendationJson[]>();
  for (const r of c.recommendations)
    recsByWorkload.set(r.workload, [...(recsByWorkload.get(r.workload) ?? []), r]);
  const fallback = clusterPrice(c);
  for (const inv of c.inventory.workloads) {
    const [kind = '', namespace = '', name = ''] = inv.workload.split('/');
    const price = inv.price ?? fallback;
    const recs = recsByWorkload.get(inv.workload) ?? [];
    const containers: ContainerFigures[] = inv.containers.map((x) => ({ ...x }));
    for (const r of recs.filter(isProposed))
      for (const f of r.fields) {
        const m = REQUEST_RE.exec(f.path);
        const cont = m && containers.find((x) => x.name === m[1]);
        if (!cont || f.proposed === undefined || f.proposed === null) continue;
        if (m[2] === 'cpu') cont.proposedCpuCores = parseCpu(f.proposed as string) / 1000;
        else cont.proposedMemoryBytes = parseMemory(f.proposed as string);
      }
    const proposedPod = {
      cpuCores: containers.reduce((a, x) => a + (x.proposedCpuCores ?? x.cpuCores), 0),
      memoryBytes: containers.reduce((a, x) => a + (x.proposedMemoryBytes ?? x.memoryBytes), 0),
    };
    const replicas = inv.replicas;
    const reqCores = inv.requests.cpuCores * replicas;
    const reqBytes = inv.requests.memoryBytes * replicas;
    const cost = monthly(reqCores, reqBytes, price);
    const u = inv.usage;
    const usedCost = u
      ? monthly(Math.min(u.cpuCoresP95, reqCores), Math.min(u.memoryBytesP95, reqBytes), price)
      : cost;
    const idle = u
      ? monthly(Math.max(0, reqCores - u.cpuCoresP95), Math.max(0, reqBytes - u.memoryBytesP95), price)
      : 0;
    const byStage = { ...NO_STAGES };
    for (const r of recs.filter(isProposed)) {
      const stage = stageOf(r.analyzer);
      if (stage === 'rightsize') byStage.rightsize += r.savings.total;
      else if (stage === 'autoscaling' && r.analyzer === 'hpa') {
        const e = autoscalingEffect(r, replicas);
        if (e)
          byStage.autoscaling +=
            (e.before - e.after) * monthly(proposedPod.cpuCores, proposedPod.memoryBytes, price);
      } else if (stage === 'placement') byStage.placement += placementSaving(r);
    }
    const saving = byStage.rightsize + byStage.autoscaling + byStage.placement;
    out.set(inv.workload, {
      key: inv.workload,
      cluster: c.name,
      kind,
      namespace,
      name,
      ...(inv.team ? { team: inv.team } : {}),
      ...(inv.core ? { core: inv.core } : {}),
      replicas,
      price,
      inv,
      containers,
      proposedPod,
      cost,
      usedCost,
      idle,
      // Requests and replicas as proposed; placement's saving is on nodes, not requests.
      proposedCost: Math.max(0, cost - byStage.rightsize - byStage.autoscaling),
      byStage,
      saving,
      recs,
    });
  }
  return out;
}

interface HpaDetails {
  decision?: string;
  minReplicas?: number;
  maxReplicas?: number;
  targetUtilization?: number;
  liveReplicas?: number;
  curve?: { replicas: number[] };
}

/** Replicas an HPA with this floor and ceiling runs, on average, over a demand curve (in replicas). */
export function meanReplicas(curve: number[], min: number, max: number, scale = 1): number {
  if (!curve.length) return min;
  const sum = curve.reduce((a, d) => a + Math.min(max, Math.max(min, Math.ceil(d * scale - 1e-9))), 0);
  return sum / curve.length;
}

/**
 * Replicas before (fixed: live; an HPA being tuned: the mean under its current floor, ceiling and
 * target) and the mean under the proposed HPA (or the proposed fixed count).
 */
export function autoscalingEffect(
  r: PlanRecommendationJson,
  replicas: number,
): { before: number; after: number } | undefined {
  const d = (r.details ?? {}) as HpaDetails;
  const field = (suffix: string): { current?: number; proposed?: number } => {
    const f = r.fields.find((x) => x.path.endsWith(suffix));
    return { current: num(f?.current), proposed: num(f?.proposed) };
  };
  if (d.decision === 'fixed-replicas') {
    const f = field('spec.replicas');
    return f.current !== undefined && f.proposed !== undefined
      ? { before: f.current, after: f.proposed }
      : undefined;
  }
  const curve = d.curve?.replicas;
  if (!curve?.length || d.minReplicas === undefined || d.maxReplicas === undefined) return undefined;
  const after = meanReplicas(curve, d.minReplicas, d.maxReplicas);
  if (d.decision !== 'tune-hpa') return { before: d.liveReplicas ?? replicas, after };
  const min = field('minReplicas').current ?? d.minReplicas;
  const max = field('maxReplicas').current ?? d.maxReplicas;
  const target = field('averageUtilization');
  // The curve is demand at the new target; at the old one it is scaled by new / old.
  const scale = target.current && target.proposed ? target.proposed / target.current : 1;
  return { before: meanReplicas(curve, min, max, scale), after };
}

function placementSaving(r: PlanRecommendationJson): number {
  const d = (r.details ?? {}) as { mode?: string; economics?: { saving?: Record<string, number> } };
  return (d.mode && d.economics?.saving?.[d.mode]) || 0;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
