/**
 * Every figure of the report, computed once from plan.json snapshots and the repository's
 * history; the page only displays them (report/data.ts says what each one is).
 */
import type { TidemarkEvent } from '../../collect/git-history/events.js';
import { humanBytes } from '../../core/quantity.js';
import type { PlanInput } from '../inputs/plans.js';
import {
  REPORT_DATA_VERSION,
  type ClusterInfo,
  type GroupRow,
  type NamespaceRow,
  type PullLink,
  type ReportData,
  type StageId,
  type StageRow,
  type WorkloadRow,
} from '../data.js';
import { periodEvents, type PeriodEvents } from './history.js';
import { rankNamespaces, rankWorkloads } from './ranking.js';
import { snapshotsOf, type ClusterSnapshots, type Snapshot } from './snapshots.js';
import { addStages, emptyStages, STAGES, stagesOf, type Stages } from './stages.js';
import { trendOf } from './trend.js';
import { isProposed, NO_STAGES, workloadFigures, type WorkloadFigures } from './workloads.js';

export interface ReportInput {
  plans: PlanInput[];
  /** Tidemark's commits since at least two periods before now (none: no history read). */
  events?: TidemarkEvent[];
  history?: { repo: string; since: number };
  periodSeconds: number;
  /** Open pull requests known beyond the plans' pulls.json (a run that just published). */
  pulls?: PullLink[];
}

const WHY_MAX = 400;

export function buildReport(input: ReportInput): ReportData {
  const { now, clusters } = snapshotsOf(input.plans, input.periodSeconds);
  const period = {
    seconds: input.periodSeconds,
    start: now - input.periodSeconds,
    previousStart: now - 2 * input.periodSeconds,
  };
  const latest = new Map(clusters.map((c) => [c.name, workloadFigures(c.latest.json)]));
  const previous = new Map(
    clusters.filter((c) => c.previous).map((c) => [c.name, workloadFigures(c.previous!.json)]),
  );
  const all = [...latest.values()].flatMap((m) => [...m.values()]).sort(byWorkload);
  const fleetCost = sum(all, (w) => w.cost);
  const events = periodEvents(input.events ?? [], clusters, latest, { start: period.start, end: now });
  const stagesNow = new Map(clusters.map((c) => [c.name, stagesOf(c.latest.json, latest.get(c.name)!)]));
  const stagesBefore = new Map(
    clusters
      .filter((c) => c.previous)
      .map((c) => [c.name, stagesOf(c.previous!.json, previous.get(c.name)!)]),
  );
  const fleetNow = [...stagesNow.values()].reduce(addStages, emptyStages());
  const everyPrevious = clusters.length > 0 && clusters.every((c) => c.previous);
  const fleetBefore = everyPrevious ? [...stagesBefore.values()].reduce(addStages, emptyStages()) : undefined;
  const pulls = pullsOf(clusters, input.pulls ?? []);
  const pullIndex = (cluster: string, workload: string): number[] =>
    pulls.flatMap((p, i) => (p.cluster === cluster && p.workloads.includes(workload) ? [i] : []));

  const workloads = all.map((w) => workloadRow(w, pullIndex(w.cluster, w.key)));
  const notes: string[] = [];
  for (const c of clusters) {
    if (!c.latest.json.inventory)
      notes.push(
        `${c.name}: its newest plan has no inventory (written by an older Tidemark): no costs for it.`,
      );
    const p = c.latest.json.inventory?.prices;
    if (p?.note) notes.push(`${c.name}: ${p.note}`);
    if (p?.unpriced?.length)
      notes.push(
        `${c.name}: OpenCost had no price for ${p.unpriced.length} node(s); they are priced from config.`,
      );
  }
  if (!input.events)
    notes.push('No repository history was read: merged, realised, reverted and guardian figures are 0.');

  return {
    version: REPORT_DATA_VERSION,
    now,
    currency: currencyOf(clusters),
    period,
    clusters: clusters.map(clusterInfo),
    header: {
      cost: {
        now: sum(clusters, (c) => c.latest.json.inventory?.nodes.monthly ?? 0),
        ...(everyPrevious
          ? { before: sum(clusters, (c) => c.previous!.json.inventory?.nodes.monthly ?? 0) }
          : {}),
      },
      requested: {
        now: fleetCost,
        ...(everyPrevious
          ? {
              before: sum(
                [...previous.values()].flatMap((m) => [...m.values()]),
                (w) => w.cost,
              ),
            }
          : {}),
      },
      idle: sum(all, (w) => w.idle),
      savings: {
        proposed: totalSaving(fleetNow),
        merged: sum(events.merged, (m) => m.monthly),
        realised: sum(events.merged, (m) => m.realised),
        mergedChanges: events.merged.length,
      },
      risk: {
        ooms: sum(all, (w) => w.inv.ooms),
        oomWorkloads: all.filter((w) => w.inv.ooms > 0).length,
        throttledDays: sum(all, (w) => w.inv.throttledDays),
        throttledWorkloads: all.filter((w) => w.inv.throttledDays > 0).length,
        reverted: events.reverted.length,
        guardian: events.guardian.length,
      },
    },
    trend: trendOf(clusters),
    stages: stageRows(fleetNow, fleetBefore),
    groups: {
      clusters: clusters.map((c) =>
        groupRow(
          c.name,
          [...latest.get(c.name)!.values()],
          previous.has(c.name) ? [...previous.get(c.name)!.values()] : undefined,
          {
            events: events.merged.filter((m) => m.cluster === c.name),
            stagesNow: stagesNow.get(c.name)!,
            stagesBefore: stagesBefore.get(c.name),
            nodes: {
              now: c.latest.json.inventory?.nodes.monthly ?? 0,
              ...(c.previous ? { before: c.previous.json.inventory?.nodes.monthly ?? 0 } : {}),
            },
          },
        ),
      ),
      teams: teamRows(
        all,
        everyPrevious ? [...previous.values()].flatMap((m) => [...m.values()]) : undefined,
        events,
        latest,
      ),
    },
    ranking: { workloads: rankWorkloads(all, fleetCost), namespaces: rankNamespaces(all, fleetCost) },
    namespaces: namespaceRows(all, pulls),
    workloads,
    pulls,
    sources: {
      plans: clusters.flatMap((c) =>
        c.all.map((s) => ({ file: s.file, cluster: c.name, at: s.at, generatedAt: s.doc.generatedAt })),
      ),
      ...(input.history
        ? {
            history: {
              repo: input.history.repo,
              since: input.history.since,
              commits: new Set((input.events ?? []).map((e) => e.commit)).size,
            },
          }
        : {}),
      notes,
    },
  };
}

function byWorkload(a: WorkloadFigures, b: WorkloadFigures): number {
  return (
    a.cluster.localeCompare(b.cluster) ||
    a.namespace.localeCompare(b.namespace) ||
    a.name.localeCompare(b.name) ||
    a.kind.localeCompare(b.kind)
  );
}

function sum<T>(list: T[], f: (x: T) => number): number {
  return list.reduce((a, x) => a + f(x), 0);
}

/** Money a stage saves that is not counted by another: overcommit only makes room. */
function totalSaving(s: Stages): number {
  return s.rightsize.saving + s.autoscaling.saving + s.scaledown.saving + s.placement.saving;
}

function currencyOf(clusters: ClusterSnapshots[]): string {
  return (
    clusters[0]?.latest.json.inventory?.prices.currency ?? clusters[0]?.latest.doc.prices.currency ?? 'USD'
  );
}

function clusterInfo(c: ClusterSnapshots): ClusterInfo {
  const j = c.latest.json;
  const inv = j.inventory;
  return {
    name: c.name,
    at: c.latest.at,
    window: { start: Date.parse(j.window.start) / 1000, end: Date.parse(j.window.end) / 1000 },
    prices: {
      source: inv?.prices.source ?? 'config',
      cpuCoreHour: inv?.prices.cpuCoreHour ?? c.latest.doc.prices.cpuCoreHour,
      memoryGiBHour: inv?.prices.memoryGiBHour ?? c.latest.doc.prices.memoryGiBHour,
      pricedNodes: inv?.prices.nodes?.length ?? 0,
      spotNodes: inv?.prices.nodes?.filter((n) => n.spot).length ?? 0,
      unpriced: inv?.prices.unpriced?.length ?? 0,
      ...(inv?.prices.note ? { note: inv.prices.note } : {}),
    },
    nodes: inv
      ? {
          count: inv.nodes.count,
          cpuCores: inv.nodes.cpuCores,
          memoryBytes: inv.nodes.memoryBytes,
          monthly: inv.nodes.monthly,
        }
      : { count: 0, cpuCores: 0, memoryBytes: 0, monthly: 0 },
    ...(inv ? {} : { noInventory: true }),
  };
}

function stageRows(now: Stages, before: Stages | undefined): StageRow[] {
  return STAGES.map(({ id, title, note }) => {
    const s = now[id];
    return {
      stage: id,
      title,
      recommendations: s.recommendations,
      workloads: s.workloads.size,
      before: { detail: amounts(id, s.before.amounts), monthly: s.before.monthly },
      after: { detail: amounts(id, s.after.amounts), monthly: s.after.monthly },
      saving: { now: s.saving, ...(before ? { before: before[id].saving } : {}) },
      note,
    };
  });
}

function amounts(id: StageId, a: number[]): string {
  const cores = (v: number): string => `${v.toFixed(v >= 10 ? 1 : 2)} cores`;
  switch (id) {
    case 'rightsize':
    case 'overcommit':
      return `${cores(a[0]!)}, ${humanBytes(a[1]!)}`;
    case 'autoscaling':
      return `${a[0]!.toFixed(1)} replicas`;
    case 'scaledown':
      return `${a[0]} node(s)`;
    case 'placement':
      return '';
  }
}

function groupRow(
  name: string,
  now: WorkloadFigures[],
  before: WorkloadFigures[] | undefined,
  o: { events: PeriodEvents['merged']; stagesNow?: Stages; stagesBefore?: Stages; nodes?: GroupRow['nodes'] },
): GroupRow {
  const cost = sum(now, (w) => w.cost);
  const byStage = { ...NO_STAGES };
  if (o.stagesNow) for (const id of Object.keys(byStage) as StageId[]) byStage[id] = o.stagesNow[id].saving;
  else for (const w of now) for (const id of Object.keys(byStage) as StageId[]) byStage[id] += w.byStage[id];
  const proposedBefore = o.stagesBefore
    ? totalSaving(o.stagesBefore)
    : before
      ? sum(before, (w) => w.saving)
      : undefined;
  return {
    name,
    workloads: now.length,
    cost: { now: cost, ...(before ? { before: sum(before, (w) => w.cost) } : {}) },
    ...(o.nodes ? { nodes: o.nodes } : {}),
    idle: sum(now, (w) => w.idle),
    proposed: {
      now: byStage.rightsize + byStage.autoscaling + byStage.scaledown + byStage.placement,
      ...(proposedBefore !== undefined ? { before: proposedBefore } : {}),
    },
    merged: sum(o.events, (m) => m.monthly),
    realised: sum(o.events, (m) => m.realised),
    byStage,
    ooms: sum(now, (w) => w.inv.ooms),
    throttledDays: sum(now, (w) => w.inv.throttledDays),
    coreShare:
      cost > 0
        ? sum(
            now.filter((w) => w.core),
            (w) => w.cost,
          ) / cost
        : 0,
  };
}

const NO_TEAM = '(no team)';

function teamRows(
  now: WorkloadFigures[],
  before: WorkloadFigures[] | undefined,
  events: PeriodEvents,
  latest: Map<string, Map<string, WorkloadFigures>>,
): GroupRow[] {
  if (!now.some((w) => w.team)) return [];
  const team = (w: WorkloadFigures): string => w.team ?? NO_TEAM;
  const names = [...new Set(now.map(team))].sort((a, b) =>
    a === NO_TEAM ? 1 : b === NO_TEAM ? -1 : a.localeCompare(b),
  );
  return names.map((t) =>
    groupRow(
      t,
      now.filter((w) => team(w) === t),
      before?.filter((w) => team(w) === t),
      {
        events: events.merged.filter((m) => {
          const w = latest.get(m.cluster)?.get(m.workload);
          return w !== undefined && team(w) === t;
        }),
      },
    ),
  );
}

function namespaceRows(all: WorkloadFigures[], pulls: PullLink[]): NamespaceRow[] {
  const groups = new Map<string, WorkloadFigures[]>();
  for (const w of all)
    groups.set(`${w.cluster}\n${w.namespace}`, [...(groups.get(`${w.cluster}\n${w.namespace}`) ?? []), w]);
  return [...groups].map(([key, list]) => {
    const [cluster = '', namespace = ''] = key.split('\n');
    const teams = new Set(list.map((w) => w.team));
    const keys = new Set(list.map((w) => w.key));
    return {
      cluster,
      namespace,
      ...(teams.size === 1 && list[0]!.team ? { team: list[0]!.team } : {}),
      workloads: list.length,
      cost: sum(list, (w) => w.cost),
      used: sum(list, (w) => w.usedCost),
      idle: sum(list, (w) => w.idle),
      proposed: sum(list, (w) => w.proposedCost),
      saving: sum(list, (w) => w.saving),
      ooms: sum(list, (w) => w.inv.ooms),
      throttledDays: sum(list, (w) => w.inv.throttledDays),
      pulls: pulls.flatMap((p, i) =>
        p.cluster === cluster && p.workloads.some((x) => keys.has(x)) ? [i] : [],
      ),
    };
  });
}

function workloadRow(w: WorkloadFigures, pulls: number[]): WorkloadRow {
  const u = w.inv.usage;
  return {
    cluster: w.cluster,
    namespace: w.namespace,
    kind: w.kind,
    name: w.name,
    ...(w.team ? { team: w.team } : {}),
    ...(w.core ? { core: w.core } : {}),
    replicas: w.replicas,
    requests: w.inv.requests,
    containers: w.containers,
    ...(u
      ? {
          used: {
            cpuP95: u.cpuCoresP95,
            cpuPeak: u.cpuCoresPeak,
            memoryP95: u.memoryBytesP95,
            memoryPeak: u.memoryBytesPeak,
          },
        }
      : {}),
    cost: w.cost,
    usedCost: w.usedCost,
    idle: w.idle,
    proposedCost: w.proposedCost,
    saving: w.saving,
    recommendations: w.recs.map((r) => ({
      analyzer: r.analyzer,
      subject: r.subject,
      decision:
        r.render.status === 'rendered' || r.decision === 'rejected'
          ? r.decision
          : `${r.decision}, ${r.render.status}`,
      risk: r.risk,
      why: r.evidence.why.length > WHY_MAX ? r.evidence.why.slice(0, WHY_MAX - 1) + '…' : r.evidence.why,
      saving: isProposed(r) ? r.savings.total : 0,
      rendered: r.render.status === 'rendered',
    })),
    ooms: w.inv.ooms,
    restarts: w.inv.restarts,
    throttledDays: w.inv.throttledDays,
    pulls,
    ...(w.inv.series ? { series: w.inv.series } : {}),
  };
}

function pullsOf(clusters: ClusterSnapshots[], extra: PullLink[]): PullLink[] {
  const out = new Map<string, PullLink>();
  const add = (p: PullLink): void => {
    out.set(`${p.cluster}#${p.number}`, p);
  };
  for (const c of clusters)
    for (const p of (c.latest as Snapshot).pulls?.pulls ?? []) if (p.cluster === c.name) add(p);
  for (const p of extra) add(p);
  return [...out.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.number - b.number);
}
