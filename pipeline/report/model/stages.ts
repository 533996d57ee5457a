/**
 * Before and after per optimisation stage, for one snapshot of a cluster; summed over clusters
 * (or any set of snapshots) with addStages. What each stage's "before" and "after" measure:
 *  - right-sizing: requested cores and memory of the workloads it changes, and their cost;
 *  - autoscaling: their replicas (now, and the mean under the proposed HPA), and their cost;
 *  - overcommit: the allocatable capacity Koordinator schedules on (× its amplification ratio),
 *    the gain worth what nodes of that size cost; no saving until nodes go;
 *  - scale-down: the nodes and what they cost, without the candidates it found;
 *  - placement: the node buffer against the serverless pods it moves to.
 */
import type { PlanClusterJson } from '../../plan/plan-document.js';
import type { StageId } from '../data.js';
import { monthly, type Price } from './money.js';
import { autoscalingEffect, clusterPrice, isProposed, type WorkloadFigures } from './workloads.js';

export interface StageTotals {
  recommendations: number;
  workloads: Set<string>;
  /** Stage-specific amounts: [cores, bytes], [replicas], [nodes]. */
  before: { monthly: number; amounts: number[] };
  after: { monthly: number; amounts: number[] };
  saving: number;
}

export const STAGES: { id: StageId; title: string; note: string }[] = [
  {
    id: 'rightsize',
    title: 'Right-sizing',
    note: 'Requests freed × replicas × price, as in plan.json and the pull requests.',
  },
  {
    id: 'autoscaling',
    title: 'Autoscaling',
    note: 'Replicas now against the mean an HPA would run over the window’s demand, × a pod at its proposed requests (an estimate).',
  },
  {
    id: 'overcommit',
    title: 'Overcommit',
    note: 'Capacity gained on the same nodes; not counted as a saving until nodes go.',
  },
  {
    id: 'scaledown',
    title: 'Scale-down',
    note: 'The candidate nodes whose pods fit elsewhere, at their capacity × price.',
  },
  {
    id: 'placement',
    title: 'Placement',
    note: 'Node buffer against serverless pods, at the placement analyzer’s prices.',
  },
];

function empty(n: number): StageTotals {
  return {
    recommendations: 0,
    workloads: new Set(),
    before: { monthly: 0, amounts: Array(n).fill(0) },
    after: { monthly: 0, amounts: Array(n).fill(0) },
    saving: 0,
  };
}

export type Stages = Record<StageId, StageTotals>;

export function emptyStages(): Stages {
  return {
    rightsize: empty(2),
    autoscaling: empty(1),
    overcommit: empty(2),
    scaledown: empty(1),
    placement: empty(0),
  };
}

export function stagesOf(c: PlanClusterJson, figures: Map<string, WorkloadFigures>): Stages {
  const s = emptyStages();
  if (!c.inventory) return s;
  const price = clusterPrice(c);
  for (const w of figures.values()) {
    const proposed = w.recs.filter(isProposed);
    const rs = proposed.filter((r) => r.analyzer === 'rightsize');
    if (rs.length) {
      const t = s.rightsize;
      t.recommendations += rs.length;
      t.workloads.add(`${c.name}/${w.key}`);
      t.before.amounts[0]! += w.inv.requests.cpuCores * w.replicas;
      t.before.amounts[1]! += w.inv.requests.memoryBytes * w.replicas;
      t.after.amounts[0]! += w.proposedPod.cpuCores * w.replicas;
      t.after.amounts[1]! += w.proposedPod.memoryBytes * w.replicas;
      t.before.monthly += w.cost;
      t.after.monthly += w.cost - w.byStage.rightsize;
      t.saving += w.byStage.rightsize;
    }
    const auto = proposed.filter((r) => r.analyzer === 'hpa' || r.analyzer === 'cronhpa');
    if (auto.length) {
      const t = s.autoscaling;
      t.recommendations += auto.length;
      t.workloads.add(`${c.name}/${w.key}`);
      const pod = monthly(w.proposedPod.cpuCores, w.proposedPod.memoryBytes, w.price);
      const hpa = auto.find((r) => r.analyzer === 'hpa');
      const e = (hpa && autoscalingEffect(hpa, w.replicas)) ?? { before: w.replicas, after: w.replicas };
      t.before.amounts[0]! += e.before;
      t.after.amounts[0]! += e.after;
      t.before.monthly += e.before * pod;
      t.after.monthly += e.after * pod;
      t.saving += w.byStage.autoscaling;
    }
    const place = proposed.filter((r) => r.analyzer === 'placement');
    for (const r of place) {
      const d = (r.details ?? {}) as {
        mode?: string;
        economics?: { monthly?: Record<string, number>; saving?: Record<string, number> };
      };
      const m = d.economics?.monthly ?? {};
      const [before, after] = d.mode === 'burst' ? [m.burstBuffer, m.burstServerless] : [m.nodes, m.migrate];
      s.placement.recommendations++;
      s.placement.workloads.add(`${c.name}/${w.key}`);
      s.placement.before.monthly += before ?? 0;
      s.placement.after.monthly += after ?? 0;
    }
    s.placement.saving += w.byStage.placement;
  }
  for (const r of c.recommendations.filter((x) => isProposed(x) && x.analyzer === 'overcommit')) {
    const pools = ((r.details ?? {}) as { pools?: OvercommitPool[] }).pools ?? [];
    s.overcommit.recommendations++;
    s.overcommit.workloads.add(`${c.name}/${r.workload}`);
    for (const p of pools) {
      const cpu = (p.cpu?.allocatable ?? 0) / 1000;
      const mem = p.memory?.allocatable ?? 0;
      s.overcommit.before.amounts[0]! += cpu * (p.cpu?.current ?? 1);
      s.overcommit.after.amounts[0]! += cpu * (p.cpu?.ratio ?? p.cpu?.current ?? 1);
      s.overcommit.before.amounts[1]! += mem * (p.memory?.current ?? 1);
      s.overcommit.after.amounts[1]! += mem * (p.memory?.ratio ?? p.memory?.current ?? 1);
    }
  }
  // Capacity at node prices: what the gain would cost to buy.
  s.overcommit.before.monthly = monthly(
    s.overcommit.before.amounts[0]!,
    s.overcommit.before.amounts[1]!,
    price,
  );
  s.overcommit.after.monthly = monthly(s.overcommit.after.amounts[0]!, s.overcommit.after.amounts[1]!, price);
  const scaledown = c.reports?.find((r) => r.analyzer === 'scaledown')?.data as ScaledownData | undefined;
  const nodes = c.inventory.nodes;
  s.scaledown.before.amounts[0] = nodes.count;
  s.scaledown.before.monthly = nodes.monthly;
  s.scaledown.after.amounts[0] = nodes.count;
  s.scaledown.after.monthly = nodes.monthly;
  if (scaledown?.freed?.nodes) {
    const freed = monthly(scaledown.freed.cpu / 1000, scaledown.freed.memory, meanNodePrice(c, price));
    s.scaledown.recommendations = scaledown.freed.nodes;
    for (const n of scaledown.nodes ?? [])
      if (n.status === 'candidate') s.scaledown.workloads.add(`${c.name}/Node/${n.node}`);
    s.scaledown.after.amounts[0] = nodes.count - scaledown.freed.nodes;
    s.scaledown.after.monthly = Math.max(0, nodes.monthly - freed);
    s.scaledown.saving = s.scaledown.before.monthly - s.scaledown.after.monthly;
  }
  return s;
}

interface OvercommitPool {
  cpu?: { allocatable?: number; current?: number; ratio?: number };
  memory?: { allocatable?: number; current?: number; ratio?: number };
}

interface ScaledownData {
  nodes?: { node: string; status: string }[];
  freed?: { nodes: number; cpu: number; memory: number };
}

/** With OpenCost prices, a freed node costs what the cluster's nodes cost on average. */
function meanNodePrice(c: PlanClusterJson, fallback: Price): Price {
  const nodes = c.inventory?.prices.nodes ?? [];
  if (!nodes.length) return fallback;
  return {
    cpuCoreHour: nodes.reduce((a, n) => a + n.cpuCoreHour, 0) / nodes.length,
    memoryGiBHour: nodes.reduce((a, n) => a + n.memoryGiBHour, 0) / nodes.length,
  };
}

export function addStages(a: Stages, b: Stages): Stages {
  const out = emptyStages();
  for (const id of Object.keys(out) as StageId[]) {
    const x = a[id];
    const y = b[id];
    out[id] = {
      recommendations: x.recommendations + y.recommendations,
      workloads: new Set([...x.workloads, ...y.workloads]),
      before: {
        monthly: x.before.monthly + y.before.monthly,
        amounts: x.before.amounts.map((v, i) => v + y.before.amounts[i]!),
      },
      after: {
        monthly: x.after.monthly + y.after.monthly,
        amounts: x.after.amounts.map((v, i) => v + y.after.amounts[i]!),
      },
      saving: x.saving + y.saving,
    };
  }
  return out;
}
