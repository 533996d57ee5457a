/**
 * The PR body's autoscaling section: for each workload whose HPA or schedule changes, the demand
 * curve (a Mermaid chart GitHub renders) against the floor and ceiling, the detected cycle and its
 * strength, the schedule in its timezone, what happens on a surge, and how Argo CD / Flux were
 * told to leave the controller's fields alone.
 */
import type { PlanClusterJson, PlanRecommendationJson } from '../../plan/plan-document.js';

const MAX_CHARTS = 5;

interface Curve {
  start: number;
  step: number;
  replicas: number[];
}

export function autoscalingSection(clusters: PlanClusterJson[]): string[] {
  const recs = clusters
    .flatMap((c) => c.recommendations)
    .filter((r) => (r.analyzer === 'hpa' || r.analyzer === 'cronhpa') && r.render.status === 'rendered');
  if (!recs.length) return [];
  const notes = new Map(
    clusters.flatMap((c) => c.changes.map((ch) => [ch.workload, ch.handOver ?? []] as const)),
  );
  const out = ['', '### Autoscaling', ''];
  const workloads = [...new Set(recs.map((r) => r.workload))];
  workloads.forEach((w, i) => {
    const hpa = recs.find((r) => r.workload === w && r.analyzer === 'hpa');
    const cron = recs.find((r) => r.workload === w && r.analyzer === 'cronhpa');
    out.push(`#### \`${w}\``, '');
    const owner =
      cron && (cron.details?.form === 'keda' || cron.details?.form === 'crane')
        ? String(cron.details.form)
        : undefined;
    if (hpa)
      out.push(
        `- **${hpa.subject}${owner ? ` (its numbers carried into the ${owner === 'keda' ? 'ScaledObject' : 'EHPA'}, which owns the HPA)` : ''}:** ${hpa.evidence.why}`,
      );
    if (cron) {
      const d = cron.details ?? {};
      out.push(
        `- **Schedule (${String(d.form)}, ${String(d.timezone)}):** ${d.cycle} cycle, strength ${String(d.strength)} (autocorrelation at the period; 1 = repeats exactly), spectrum ${String(d.spectralRatio)}× the shuffled-noise threshold.`,
      );
      for (const line of (d.lines as string[] | undefined) ?? []) out.push(`  - ${line}`);
      for (const warn of (d.warnings as string[] | undefined) ?? []) out.push(`  - ⚠️ ${warn}`);
      if (d.surge) out.push(`- **On a surge:** ${String(d.surge).replace(/^On a surge the/, 'The')}`);
    } else if (hpa) {
      const max = hpa.details?.maxReplicas;
      if (max !== undefined)
        out.push(
          `- **On a surge:** the HPA scales up at once (+100 % or +4 pods per 15 s) to ${String(max)} replicas, then down slowly.`,
        );
    }
    for (const n of notes.get(w) ?? []) out.push(`- **GitOps:** ${n}`);
    const chart = i < MAX_CHARTS ? demandChart(w, hpa ?? cron!, cron) : undefined;
    if (chart) out.push('', chart);
    out.push('');
  });
  return out;
}

function demandChart(
  workload: string,
  rec: PlanRecommendationJson,
  cron?: PlanRecommendationJson,
): string | undefined {
  const curve = (rec.details?.curve ?? cron?.details?.curve) as Curve | undefined;
  if (!curve?.replicas?.length) return undefined;
  // 4-hour peaks: 84 bars for 14 days.
  const per = Math.max(1, Math.round((4 * 3600) / curve.step));
  const bars: number[] = [];
  for (let i = 0; i < curve.replicas.length; i += per)
    bars.push(round(Math.max(...curve.replicas.slice(i, i + per))));
  const days = Math.max(1, Math.round((curve.replicas.length * curve.step) / 86400));
  const min = (cron?.details?.floor ?? rec.details?.minReplicas) as number | undefined;
  const max = rec.details?.maxReplicas as number | undefined;
  const lines = [
    '```mermaid',
    'xychart-beta',
    `    title "${workload.split('/').slice(1).join('/')}: replicas needed (4-hour peaks)"`,
    `    x-axis "day" 1 --> ${days}`,
    '    y-axis "replicas"',
    `    bar [${bars.join(', ')}]`,
  ];
  if (min !== undefined) lines.push(`    line [${bars.map(() => min).join(', ')}]`);
  if (max !== undefined) lines.push(`    line [${bars.map(() => max).join(', ')}]`);
  lines.push('```');
  const legend =
    min !== undefined && max !== undefined
      ? `<sub>Bars: replicas the demand needed at the HPA target. Lines: floor ${min} and elastic ceiling ${max}.</sub>`
      : '<sub>Bars: replicas the demand needed.</sub>';
  return `${lines.join('\n')}\n${legend}`;
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
