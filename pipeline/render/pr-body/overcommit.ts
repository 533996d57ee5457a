/**
 * The PR body's overcommit section: each pool's capacity, what the higher tiers request and use,
 * what is held back and lent (a chart GitHub renders), the ratio and margin, and what happens when
 * load rises. For OpenShift, the compression per tier.
 */
import type { PlanClusterJson } from '../../plan/plan-document.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const GiB = 2 ** 30;

export function overcommitSection(clusters: PlanClusterJson[]): string[] {
  const recs = clusters
    .flatMap((c) => c.recommendations)
    .filter((r) => r.analyzer === 'overcommit' && r.render.status === 'rendered');
  if (!recs.length) return [];
  const out = ['', '### Overcommit', ''];
  for (const r of recs) {
    const d = (r.details ?? {}) as any;
    if (d.form === 'koordinator') {
      out.push(`${r.evidence.why}`, '');
      for (const p of d.pools as any[]) {
        const cores = (x: number) => Math.round(x / 10) / 100;
        const gib = (x: number) => Math.round((x / GiB) * 10) / 10;
        out.push(
          `#### Pool \`${p.pool}\` (${p.nodes} node(s))`,
          '',
          '| | capacity | allocatable | higher tiers request | higher tiers P95 use | held | margin | lendable | ratio |',
          '|---|---|---|---|---|---|---|---|---|',
          `| CPU (cores) | ${cores(p.cpu.capacity)} | ${cores(p.cpu.allocatable)} | ${cores(p.cpu.hpRequests)} | ${cores(p.cpu.hpUsage)} | ${cores(p.cpu.held)} | ${cores(p.cpu.margin)} | ${cores(p.cpu.available)} | ×${p.cpu.current} → **×${p.cpu.ratio}** (${p.cpu.change}) |`,
          `| memory (GiB) | ${gib(p.memory.capacity)} | ${gib(p.memory.allocatable)} | ${gib(p.memory.hpRequests)} | ${gib(p.memory.hpUsage)} | ${gib(p.memory.held)} | ${gib(p.memory.margin)} | ${gib(p.memory.available)} | ×${p.memory.current} → **×${p.memory.ratio}** (${p.memory.change}) |`,
          '',
          '```mermaid',
          'xychart-beta',
          `    title "${p.pool}: CPU cores"`,
          '    x-axis ["allocatable", "requested", "P95 used", "held", "lendable", "schedulable at ratio"]',
          '    y-axis "cores"',
          `    bar [${[p.cpu.allocatable, p.cpu.hpRequests, p.cpu.hpUsage, p.cpu.held, p.cpu.available, p.cpu.allocatable * p.cpu.ratio].map(cores).join(', ')}]`,
          '```',
          '',
        );
      }
      out.push(
        '**When load rises:** Koordinator recomputes batch capacity from live node metrics every few minutes (usage above the reclaim threshold shrinks it at once, no PR needed), and the next Tidemark run lowers the amplification ratio in one step — ratios rise at most 0.1 per run and never above the policy ceiling.',
        '',
      );
    } else if (d.form === 'openshift') {
      out.push(
        r.evidence.why,
        '',
        '| tier | workloads | CPU request % of limit | memory request % of limit | not compressed (OOM) |',
        '|---|---|---|---|---|',
      );
      for (const t of d.tiers as any[])
        out.push(
          `| ${t.tier} | ${t.workloads} | ${t.cpuPercent ?? '—'} | ${t.memoryPercent ?? '—'} | ${t.excludedOom.join(', ') || '—'} |`,
        );
      out.push(
        '',
        `Applies to new pods in the opted-in namespaces (${(d.optedInNamespaces as string[]).join(', ')}); running pods keep their requests until they restart.`,
        '',
      );
    } else out.push(`- \`${r.workload}\`: ${r.evidence.why}`);
  }
  return out;
}
