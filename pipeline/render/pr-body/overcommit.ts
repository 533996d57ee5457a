/**
 * The PR body's overcommit section. Koordinator: per pool and per resource, usage against
 * capacity and allocation (a Mermaid chart GitHub renders, and the same figures in a table), the
 * ratio against its ceiling, the margin, and what happens when load rises — the level of what the
 * higher tiers hold at which the next run lowers the ratio, and at which it falls back to 1.0.
 * OpenShift: the compression per tier and the cluster's percentages.
 */
import type { PlanClusterJson } from '../../plan/plan-document.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const GiB = 2 ** 30;
const cores = (x: number): number => Math.round(x / 10) / 100;
const gib = (x: number): number => Math.round((x / GiB) * 10) / 10;
const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;

interface Unit {
  label: string;
  unit: string;
  of: (x: number) => number;
}
const CPU: Unit = { label: 'CPU', unit: 'cores', of: cores };
const MEMORY: Unit = { label: 'memory', unit: 'GiB', of: gib };

/** What "held" means under a policy, for a reader who has not read the analyzer. */
const heldAs = (policy: string, percentile: number): string =>
  policy === 'usage'
    ? `P${Math.round(percentile * 100)} use`
    : `max(P${Math.round(percentile * 100)} use, request) per pod`;

function chart(pool: string, u: Unit, r: any): string[] {
  const allocated = r.hpRequests + r.beRequests;
  const bars: [string, number][] = [
    ['capacity', r.capacity],
    ['allocatable', r.allocatable],
    ['allocated', allocated],
    ['higher tiers use', r.hpUsage],
    ['held', r.held],
    ['margin', r.margin],
    ['lendable', r.available],
    [`schedulable at x${r.ratio}`, r.allocatable * r.ratio],
  ];
  return [
    '```mermaid',
    'xychart-beta',
    `    title "${pool}: ${u.label} (${u.unit})"`,
    `    x-axis [${bars.map(([k]) => `"${k}"`).join(', ')}]`,
    `    y-axis "${u.unit}"`,
    `    bar [${bars.map(([, v]) => u.of(v)).join(', ')}]`,
    '```',
  ];
}

function row(u: Unit, r: any): string {
  const allocated = r.hpRequests + r.beRequests;
  return `| ${u.label} (${u.unit}) | ${u.of(r.capacity)} | ${u.of(r.allocatable)} | ${u.of(allocated)} (${pct(allocated / r.allocatable)}) | ${u.of(r.hpUsage)} (${pct(r.hpUsage / r.capacity)}) | ${u.of(r.held)} | ${u.of(r.margin)} | ${u.of(r.available)} | ×${r.current} → **×${r.ratio}** (${r.change}) | ×${r.maxRatio} |`;
}

function whenLoadRises(u: Unit, r: any, percentile: number): string {
  const held = heldAs(r.policy, percentile);
  const lower =
    r.ratio > 1
      ? `the next run lowers ×${r.ratio} once what the higher tiers hold (${held}) exceeds ${u.of(r.lowersAbove)} ${u.unit} (now ${u.of(r.held)}); `
      : '';
  return `- ${u.label}: ${lower}at ${u.of(r.fallsBackAt)} ${u.unit} nothing is lent and the ratio falls back to ×1.0.`;
}

/**
 * The threshold lending is computed against, and the one written to Koordinator: the margin is
 * taken off there (`cpuReclaimThresholdPercent` 55 for 65 % with a 10 % margin), so the diff shows
 * the lower figure.
 */
function thresholdText(r: any, margin: number): string {
  const of = `${Math.round(r.threshold * 100)}%`;
  if (r.reclaimPercent === undefined) return of;
  return `${of} (written as ${r.reclaimPercent}%, the ${Math.round(margin * 100)}% margin taken off)`;
}

export function overcommitSection(clusters: PlanClusterJson[]): string[] {
  const recs = clusters
    .flatMap((c) => c.recommendations)
    .filter((r) => r.analyzer === 'overcommit' && r.render.status === 'rendered');
  if (!recs.length) return [];
  const out = ['', '### Overcommit', ''];
  for (const r of recs) {
    const d = (r.details ?? {}) as any;
    if (d.form === 'koordinator') {
      const percentile = (d.percentile as number | undefined) ?? 0.95;
      out.push(`${r.evidence.why}`, '');
      for (const p of d.pools as any[]) {
        out.push(
          `#### Pool \`${p.pool}\` (${p.nodes} node(s))`,
          '',
          `Margin kept free: ${Math.round((d.margin as number) * 100)}% of capacity. Reclaim threshold: CPU ${thresholdText(p.cpu, d.margin)}, memory ${thresholdText(p.memory, d.margin)}.`,
          '',
          '| | capacity | allocatable | allocated (all tiers) | higher tiers use | held | margin | lendable | ratio | ceiling |',
          '|---|---|---|---|---|---|---|---|---|---|',
          row(CPU, p.cpu),
          row(MEMORY, p.memory),
          '',
          ...chart(p.pool, CPU, p.cpu),
          '',
          ...chart(p.pool, MEMORY, p.memory),
          '',
          '**When load rises:**',
          whenLoadRises(CPU, p.cpu, percentile),
          whenLoadRises(MEMORY, p.memory, percentile),
          '',
        );
      }
      out.push(
        `Koordinator recomputes batch capacity from live node metrics every few minutes (use above the reclaim threshold shrinks it at once, no PR needed); the next Tidemark run lowers a ratio in one step. Ratios rise at most ${d.raiseStep} per run and never above their ceiling.`,
        '',
      );
    } else if (d.form === 'openshift') {
      out.push(
        r.evidence.why,
        '',
        `| tier${d.tierLabel ? ` (\`${d.tierLabel}\` label, else QoS class)` : ' (QoS class)'} | workloads | CPU request % of limit (use / floor) | memory request % of limit (use / floor) | not compressed (OOM) |`,
        '|---|---|---|---|---|',
      );
      const cell = (v?: number, use?: number, floor?: number) =>
        v === undefined ? '—' : `${v} (${use ?? '—'} / ${floor ?? '—'})`;
      for (const t of d.tiers as any[])
        out.push(
          `| ${t.tier} | ${t.workloads} | ${cell(t.cpuPercent, t.cpuUsagePercent, t.cpuFloorPercent)} | ${cell(t.memoryPercent, t.memoryUsagePercent, t.memoryFloorPercent)} | ${t.excludedOom.join(', ') || '—'} |`,
        );
      out.push(
        '',
        `Cluster: CPU ${d.cpuPercent}%, memory ${d.memory ?? `${d.memoryPercent}%`}. Applies to new pods in the opted-in namespaces (${(d.optedInNamespaces as string[]).join(', ')}); running pods keep their requests until they restart.`,
        '',
      );
    } else out.push(`- \`${r.workload}\`: ${r.evidence.why}`);
  }
  return out;
}
