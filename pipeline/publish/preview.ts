/**
 * The pull requests a plan makes, offline: the groups `tidemark run` would publish, each composed
 * by the same code as the body `run` sends (pr/compose.ts), so `plan`'s PR files are byte for byte
 * what GitHub would receive for the same changes and base. Nothing here reads GitHub or the
 * network; the base is publish.github.baseBranch, else the local checkout's branch.
 */
import { reportSettingsFrom } from '../config/report-settings.js';
import type { PipelineConfig } from '../config/types.js';
import type { PlanDocument } from '../plan/plan-document.js';
import type { ClusterPlanResult } from '../plan/run.js';
import { addSavings, describeMonthlyEffect, NO_SAVINGS } from '../plan/savings.js';
import { scaledownSection } from '../render/pr-body/capacity.js';
import { skippedOf } from '../render/pr-body/pr-body.js';
import { composePrTitle, scopedCluster } from './pr/body.js';
import { branchName } from './pr/branch-name.js';
import { composePull } from './pr/compose.js';
import { groupsOf, type ChangeGroup } from './pr/grouping.js';
import { localBaseBranch } from './git/current-branch.js';
import { pullShapeFrom } from './settings.js';

export interface PlannedPull {
  cluster: string;
  group: ChangeGroup;
  branch: string;
  title: string;
  base: string;
  /** Where `plan` writes the body, relative to its output directory. */
  file: string;
  /** The body as `run` would send it; composed on demand (a big plan has thousands). */
  body(): string;
}

export function plannedPulls(
  clusters: ClusterPlanResult[],
  doc: PlanDocument,
  config: PipelineConfig,
): PlannedPull[] {
  const shape = pullShapeFrom(config);
  const out: PlannedPull[] = [];
  for (const cluster of clusters) {
    const base = shape.baseBranch ?? localBaseBranch(cluster.cluster.repo.path);
    for (const group of groupsOf(cluster, shape.grouping)) {
      const branch = branchName(shape.branchPrefix, group.cluster, group.slug);
      out.push({
        cluster: group.cluster,
        group,
        branch,
        title: composePrTitle(group, group.changes, shape.grouping),
        base,
        file: `pr/${branch.slice(shape.branchPrefix.length)}.md`,
        body: () =>
          composePull({
            settings: shape,
            doc,
            cluster,
            group,
            applied: group.changes,
            base,
            bodyMaxChars: config.output.prBodyMaxChars,
            // report.url only: the Actions run a real run links is not known to a plan.
            reportUrl: reportSettingsFrom(config).url,
          }).body,
      });
    }
  }
  return out;
}

/**
 * pr.md: the plan's pull requests at a glance — title, branch, effect, risk and the file holding
 * each body — and the reports no PR carries (the scale-down report when no PR changes a pool).
 */
export function pullIndex(pulls: PlannedPull[], doc: PlanDocument): string {
  const currency = doc.prices.currency;
  const lines: string[] = [];
  const names = doc.clusters.map((c) => `\`${c.name}\``).join(', ');
  const byName = new Map(doc.clusters.map((c) => [c.name, c]));
  const recsOf = (p: PlannedPull) =>
    scopedCluster(byName.get(p.cluster)!, p.group.changes).recommendations.filter(
      (r) => r.render.status === 'rendered',
    );
  const total = pulls.flatMap(recsOf).reduce((acc, r) => addSavings(acc, r.savings), NO_SAVINGS);
  lines.push(`## Tidemark plan for ${names}: ${pulls.length} pull request(s)`, '');
  if (!pulls.length) lines.push('_No change passed policy and rendering in this run._');
  else {
    lines.push(
      `In all: ${describeMonthlyEffect(total.total, currency)}. ` +
        'Each body listed is the one `tidemark run` sends, byte for byte, for the same changes and base.',
      '',
      '| # | pull request | branch | base | effect | risk | body |',
      '|---|---|---|---|---|---|---|',
    );
    pulls.forEach((p, i) => {
      const recs = recsOf(p);
      const effect = recs.reduce((acc, r) => addSavings(acc, r.savings), NO_SAVINGS);
      const risk = worstRisk(recs.map((r) => r.risk));
      lines.push(
        `| ${i + 1} | ${p.title.replace(/\|/g, '\\|')} | \`${p.branch}\` | \`${p.base}\` | ${describeMonthlyEffect(effect.total, currency)} | ${risk} | [${p.file}](${p.file}) |`,
      );
    });
  }
  // A pool change carries the scale-down report in its own PR; otherwise it is shown here only.
  const unreported = doc.clusters.filter(
    (c) => !pulls.some((p) => p.cluster === c.name && p.group.concern === 'node-pools'),
  );
  const report = scaledownSection(unreported);
  if (report.length) lines.push(...report);
  // Each PR body lists its cluster's skips; a cluster with no PR shows them here, or nowhere.
  lines.push(...skippedOf(doc.clusters.filter((c) => !pulls.some((p) => p.cluster === c.name))));
  return lines.join('\n') + '\n';
}

const RISK_ORDER = ['low', 'medium', 'high'];

function worstRisk(risks: string[]): string {
  return risks.reduce((a, b) => (RISK_ORDER.indexOf(b) > RISK_ORDER.indexOf(a) ? b : a), 'low');
}
