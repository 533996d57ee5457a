/**
 * The PR body's overcommit section. Koordinator: per pool and per resource, the stack (what the
 * high tier and the system hold, what the mid tier uses, what the ratio lends, what batch may take,
 * the margin), what each tier may take with the caps written, how the node's own view compares
 * with its containers, a Mermaid chart of the same figures, and what happens when load rises.
 * OpenShift: the compression per tier and the cluster's percentages.
 */
import type { PlanClusterJson } from '../../plan/plan-document.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const GiB = 2 ** 30;
const cores = (x: number): number => Math.round(x / 10) / 100;
const gib = (x: number): number => Math.round((x / GiB) * 10) / 10;

interface Unit {
  label: string;
  unit: string;
  of: (x: number) => number;
}
const CPU: Unit = { label: 'CPU', unit: 'cores', of: cores };
const MEMORY: Unit = { label: 'memory', unit: 'GiB', of: gib };

/** What the high tier holds under a policy, for a reader who has not read the analyzer. */
const heldAs = (policy: string, percentile: number): string =>
  policy === 'usage'
    ? `P${Math.round(percentile * 100)} of its use with the system's`
    : `P${Math.round(percentile * 100)} of max(use, request) with the system's`;

/** Capacity at the threshold, less the margin, stacked: who holds or may take each part. */
function stackOf(r: any): [string, number][] {
  const mid = Math.max(0, r.heldWithMid - r.held);
  const raw = r.usable - r.held - mid - r.amplified - r.batchMay;
  // Parts summed in floating point: a remainder within a millionth of the level is none.
  const remainder = Math.abs(raw) < 1e-6 * Math.max(1, r.usable) ? 0 : raw;
  return [
    ['high tier holds', r.held],
    ['mid tier uses', mid],
    ['amplification lends', r.amplified],
    ['batch may take', r.batchMay],
    [remainder >= 0 ? 'unlent' : 'over (hot nodes)', remainder],
  ];
}

function chart(pool: string, u: Unit, r: any): string[] {
  const bars: [string, number][] = [
    ['capacity', r.capacity],
    ['usable', r.usable],
    ...stackOf(r).slice(0, 4),
    ['mid may take', r.midMay],
    ['margin', r.margin],
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

function stackRow(u: Unit, r: any): string {
  const [held, mid, amp, batch, rest] = stackOf(r);
  return `| ${u.label} (${u.unit}) | ${u.of(r.capacity)} | ${u.of(r.usable)} | ${u.of(held![1])} (${u.of(r.system)}) | ${u.of(mid![1])} | ${u.of(amp![1])} | ${u.of(batch![1])} | ${rest![1] >= 0 ? u.of(rest![1]) : `−${u.of(-rest![1])}`} | ${u.of(r.margin)} |`;
}

function takeRow(u: Unit, r: any): string {
  const req = r.requests ?? {};
  return `| ${u.label} (${u.unit}) | ${u.of(r.headroom)} | ×${r.current} → **×${r.ratio}** (${r.change}, ceiling ×${r.maxRatio}): ${u.of(r.amplified)} | ${u.of(r.midMay)} → **${r.midPercent}%** (${u.of(r.midCap)}) | ${u.of(r.batchMay)} → **${r.batchPercent}%** (${u.of(r.batchCap)}) | ${u.of(req.high ?? 0)} / ${u.of(req.mid ?? 0)} / ${u.of(req.batch ?? 0)} |`;
}

function nodeView(u: Unit, r: any, nodes: number, percentile: number): string {
  const p = `P${Math.round(percentile * 100)}`;
  const v = r.nodeView;
  if (!v)
    return `- ${u.label}: no node exporter reported; the system is counted at its reservation (capacity − allocatable), ${u.of(r.reserved)} ${u.unit}.`;
  const kinds = Object.entries(v.kinds as Record<string, number>)
    .map(([k, n]) => `${k} on ${n}`)
    .join(', ');
  return `- ${u.label} (${kinds} of ${nodes} node(s)): the nodes see ${u.of(v.node)} ${u.unit} at ${p} where their containers sum to ${u.of(v.containers)}; the difference — system, kubelet, runtime${u.unit === 'GiB' ? ', page cache' : ''}, pods gone since — averages ${u.of(v.differenceMean)} ${u.unit} (${p} ${u.of(v.differenceP)}).`;
}

function whenLoadRises(u: Unit, r: any, percentile: number): string {
  const held = heldAs(r.policy, percentile);
  const lower =
    r.ratio > 1 && r.lowersAbove !== undefined
      ? `the next run lowers ×${r.ratio} once what the high tier holds (${held}) exceeds ${u.of(r.lowersAbove)} ${u.unit} (now ${u.of(r.held)}); `
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

/**
 * Hotspots ahead (analyze/overcommit/hotspots.ts): per pool, the nodes forecast to run hot at
 * recurring hours (a same-hour vote over recent days, or a regular cycle), their windows, and the two proposals for the hours before — plan output, not a field
 * written (Koordinator has no time-scoped threshold, Kubernetes no time-scoped affinity).
 */
/** How a node's forecast was made: the vote (the default) or a cycle CronHPA's test accepted. */
function forecastBasis(f: any): string {
  if (f.method === 'recurrent') return `the same hours on recent days (last ${f.days} days)`;
  return `a ${f.cycle} cycle (autocorrelation ${f.acf})`;
}

function hotspotLines(list: any[] | undefined): string[] {
  if (!list?.length) return [];
  const out = ['#### Hotspots ahead', ''];
  for (const h of list) {
    const quiet = Object.entries((h.quiet ?? {}) as Record<string, number>)
      .map(([why, n]) => `${n} ${why}`)
      .join(', ');
    out.push(
      `Pool \`${h.pool}\`: ${h.hot.length} node(s) forecast to run hot at recurring hours${quiet ? ` (the others: ${quiet})` : ''}.`,
      '',
      '| node | forecast from | windows (lead, hot from, until) | hot on | peak |',
      '|---|---|---|---|---|',
    );
    for (const n of h.hot) {
      const f = n.forecast;
      const share = f.windows.map((w: any) => `${Math.round(w.share * 100)}%`).join(', ');
      const peak = f.windows.map((w: any) => `${Math.round(w.peak * 100)}%`).join(', ');
      out.push(
        `| \`${n.node}\` | ${forecastBasis(f)} | ${(n.windows as string[]).join('; ')} | ${share} of ${f.days} days | ${peak} |`,
      );
    }
    const r = h.reclaim;
    out.push(
      '',
      `Proposed for the hours before (from each window's lead to its end), not written by this PR:`,
      `- lower \`${r.resource}ReclaimThresholdPercent\` for pool \`${h.pool}\` from ${r.percent}% to ${r.lowered}%, so Koordinator lends the batch tier less before the load arrives;`,
      '- or keep new batch-tier pods off these nodes with a preferred node anti-affinity:',
      '',
      '```yaml',
      'affinity:',
      '  nodeAffinity:',
      '    preferredDuringSchedulingIgnoredDuringExecution:',
      ...h.batchAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.flatMap((t: any) => [
        `      - weight: ${t.weight}`,
        '        preference:',
        '          matchExpressions:',
        ...t.preference.matchExpressions.flatMap((e: any) => [
          `            - key: ${e.key}`,
          `              operator: ${e.operator}`,
          `              values: [${(e.values as string[]).join(', ')}]`,
        ]),
      ]),
      '```',
      '',
    );
  }
  return out;
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
      const share = Math.round(((d.amplificationShare as number | undefined) ?? 0.5) * 100);
      out.push(`${r.evidence.why}`, '');
      for (const p of d.pools as any[]) {
        out.push(
          `#### Pool \`${p.pool}\` (${p.nodes} node(s))`,
          '',
          `Margin kept free: ${Math.round((d.margin as number) * 100)}% of capacity. Reclaim threshold: CPU ${thresholdText(p.cpu, d.margin)}, memory ${thresholdText(p.memory, d.margin)}.`,
          '',
          `**The stack** (P${Math.round(percentile * 100)} per node, summed over the pool): what may be used — capacity × threshold − margin — and who holds or may take it.`,
          '',
          '| | capacity | usable | high tier holds (system) | mid tier uses | amplification lends | batch may take | unlent | margin |',
          '|---|---|---|---|---|---|---|---|---|',
          stackRow(CPU, p.cpu),
          stackRow(MEMORY, p.memory),
          '',
          `**What each tier may take.** The ratio and reclaim share one headroom: the ratio takes at most ${share}% of it, and the mid and batch caps only what the ratio left, so it is never lent twice.`,
          '',
          '| | headroom | amplification (requests) | mid tier (`mid*ThresholdPercent`) | batch tier (`batch*ThresholdPercent`) | requests high / mid / batch |',
          '|---|---|---|---|---|---|',
          takeRow(CPU, p.cpu),
          takeRow(MEMORY, p.memory),
          '',
          '**Node usage as the node sees it:**',
          nodeView(CPU, p.cpu, p.nodes, percentile),
          nodeView(MEMORY, p.memory, p.nodes, percentile),
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
      out.push(...hotspotLines(d.hotspots as any[] | undefined));
      out.push(
        `Koordinator recomputes mid and batch capacity from live node metrics every few minutes, under these caps (use above the reclaim threshold shrinks batch at once, no PR needed); the next Tidemark run lowers a ratio in one step. Ratios rise at most ${d.raiseStep} per run and never above their ceiling.`,
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
