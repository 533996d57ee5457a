/**
 * The PR body's placement section: per workload, the provider and mode, the money on both sides
 * with the pod size each is billed at, and the provider's caveat for the mode (spilled pods never
 * come back by themselves on virtual-kubelet and ACI; Fargate decides at admission).
 */
import type { PlanClusterJson } from '../../plan/plan-document.js';
import type { Economics } from '../../analyze/placement/economics.js';

export function placementSection(clusters: PlanClusterJson[]): string[] {
  const recs = clusters
    .flatMap((c) => c.recommendations)
    .filter((r) => r.analyzer === 'placement' && r.render.status === 'rendered');
  if (!recs.length) return [];
  const out = ['', '### Virtual-node placement', ''];
  out.push(
    '| workload | provider | mode | replicas (median / mean / peak) | on nodes | serverless | saving / month |',
    '|---|---|---|---|---|---|---|',
  );
  for (const r of recs) {
    const d = r.details as {
      provider: string;
      mode: 'burst' | 'migrate';
      economics: Economics;
      note?: string;
    };
    const e = d.economics;
    const nodes = d.mode === 'migrate' ? e.monthly.nodes : e.monthly.burstBuffer;
    const serverless = d.mode === 'migrate' ? e.monthly.migrate : e.monthly.burstServerless;
    out.push(
      `| \`${r.workload}\` | ${d.provider} | ${d.mode} | ${e.replicas.median} / ${e.replicas.mean} / ${e.replicas.peak} | ${nodes.toFixed(2)}${d.mode === 'burst' ? ' (peak buffer)' : ''} | ${serverless.toFixed(2)} (${e.serverlessPod.cpu} cores, ${e.serverlessPod.gib} GiB a pod) | **${(nodes - serverless).toFixed(2)}** |`,
    );
  }
  out.push(
    '',
    'Node cost is what the pods request at the cluster packing (a requested core pays for the unrequested room around it); serverless pods pay their size rounded up to the provider table, only while they run.',
  );
  for (const note of new Set(recs.map((r) => (r.details as { note?: string }).note).filter(Boolean)))
    out.push('', `> ${note}`);
  return out;
}
