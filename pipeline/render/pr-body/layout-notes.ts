/**
 * What a reviewer must know about where values went when it is not the obvious file: a shared
 * Helm chart whose cluster values went into a new values file of the cluster's own, referenced
 * from its Application.
 */
import type { PlanClusterJson } from '../../plan/plan-document.js';

export function layoutNotesSection(clusters: PlanClusterJson[]): string[] {
  const lines = clusters.flatMap((c) =>
    c.changes.flatMap((ch) =>
      (ch.handOver ?? [])
        .filter((n) => n.startsWith('Helm values:'))
        .map((n) => `- \`${ch.workload}\`: ${n.slice('Helm values: '.length)}`),
    ),
  );
  return lines.length ? ['', '### Where the values went', '', ...lines] : [];
}
