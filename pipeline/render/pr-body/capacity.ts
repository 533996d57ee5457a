/**
 * The PR body's scale-down section: nodes to remove in drain order, where their pods go, which
 * PodDisruptionBudgets the evictions pass through, and why the next-cheapest nodes stay. Nodes are
 * not in Git, so this is a report for the reviewer (and for the pool-size change beside it).
 */
import type { PlanClusterJson } from '../../plan/plan-document.js';
import type { NodeReport, ScaledownReport } from '../../analyze/scaledown/analyze.js';
import { humanBytes } from '../../core/quantity.js';

const KEPT_SHOWN = 5;

export function scaledownSection(clusters: PlanClusterJson[]): string[] {
  const out: string[] = [];
  for (const c of clusters) {
    const report = c.reports?.find((r) => r.analyzer === 'scaledown')?.data as ScaledownReport | undefined;
    if (!report) continue;
    const candidates = report.nodes
      .filter((n) => n.status === 'candidate')
      .sort((a, b) => a.order! - b.order!);
    out.push('', `### Scale-down (\`${c.name}\`)`, '');
    if (candidates.length) {
      out.push(
        `${candidates.length} node(s) can be removed: every pod on them fits on the nodes that remain (requests, selectors, affinity, spread, taints, host ports, volume zones and max pods checked), freeing ${report.freed.cpu / 1000} cores and ${humanBytes(report.freed.memory)}. Drain them one at a time, in this order:`,
        '',
        '| # | node | pool | NodeScore | requested | pods to move | evictions through PDBs |',
        '|---|---|---|---|---|---|---|',
        ...candidates.map(
          (n) =>
            `| ${n.order} | \`${n.node}\` | ${n.pool ?? '—'} | ${n.score} | ${Math.round(n.requestedShare * 100)} % | ${n.moves?.length ?? 0} | ${evictionsText(n)} |`,
        ),
        '',
      );
      for (const n of candidates) {
        out.push(
          `<details><summary>${n.node}: where its pods go</summary>`,
          '',
          ...(n.moves ?? []).map(
            (m) => `- \`${m.pod}\` → \`${m.to}\` (${m.cpu}m CPU, ${humanBytes(m.memory)})`,
          ),
          '',
          '</details>',
          '',
        );
      }
      out.push(
        '`kubectl drain --ignore-daemonsets --delete-emptydir-data=false <node>` evicts through the Eviction API, so the budgets above are honoured; cluster-autoscaler and Karpenter do the same when they remove the node.',
      );
    } else out.push('No node can be removed in this run.');
    const kept = report.nodes.filter((n) => n.status === 'kept').slice(0, KEPT_SHOWN);
    if (kept.length)
      out.push(
        '',
        'Cheapest nodes kept, and why:',
        '',
        ...kept.map((n) => `- \`${n.node}\` (NodeScore ${n.score}): ${n.reason}`),
      );
  }
  return out;
}

function evictionsText(n: NodeReport): string {
  if (!n.evictions?.length) return 'none';
  return n.evictions.map((e) => `${e.pdb}: ${e.pods} pod(s), ${e.allowed} allowed at a time`).join('; ');
}
