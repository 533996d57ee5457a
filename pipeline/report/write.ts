/**
 * report.html from what a command has at hand: `plan`, `demo` and `run` from the plan they just
 * made (and each cluster's GitOps checkout for the history), `run` again with the pull requests it
 * left open, `report` from plan files on disk. The history is read over two periods, so "merged"
 * and "a period ago" have what they need.
 */
import { join } from 'node:path';
import type { PipelineConfig } from '../config/types.js';
import { reportSettingsFrom } from '../config/report-settings.js';
import { readTidemarkEvents, type TidemarkEvent } from '../collect/git-history/events.js';
import type { Logger } from '../core/logger.js';
import type { PlanDocument } from '../plan/plan-document.js';
import type { PullLink } from './data.js';
import { renderReportHtml } from './html/page.js';
import { PLAN_FILE, PULLS_FILE, type PlanInput, type PullsFile } from './inputs/plans.js';
import { reportClient } from './client-bundle.js';
import { buildReport } from './model/build.js';

export const REPORT_FILE = 'report.html';

/** Tidemark's commits in each repository, read once per repository, since `since`. */
export async function readHistories(repos: string[], since: number): Promise<TidemarkEvent[]> {
  const seen = new Set<string>();
  const out: TidemarkEvent[] = [];
  for (const repo of [...new Set(repos.filter(Boolean))])
    for (const e of await readTidemarkEvents(repo, { since })) {
      const key = `${e.commit}\n${e.kind}\n${e.workload ?? ''}\n${e.field ?? ''}\n${e.entry ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(e);
    }
  return out.sort((a, b) => a.time - b.time);
}

export interface ReportFromPlanOptions {
  doc: PlanDocument;
  config: PipelineConfig;
  /** Where plan.json is written (named in the report's sources). */
  outDir: string;
  pulls?: PullLink[];
}

/** report.html for a plan just made: its clusters, their checkouts' history, the config's period. */
export async function reportFromPlan(o: ReportFromPlanOptions): Promise<string> {
  const settings = reportSettingsFrom(o.config);
  const at = Math.max(...o.doc.clusters.map((c) => Date.parse(c.at) / 1000));
  const since = at - 2 * settings.periodSeconds;
  const repos = o.config.clusters
    .filter((c) => o.doc.clusters.some((x) => x.name === c.name))
    .map((c) => c.repo.path);
  const events = await readHistories(repos, since);
  const plans: PlanInput[] = [{ file: join(o.outDir, PLAN_FILE), doc: o.doc }];
  const data = buildReport({
    plans,
    events,
    history: { repo: [...new Set(repos)].join(', '), since },
    periodSeconds: settings.periodSeconds,
    ...(o.pulls ? { pulls: o.pulls } : {}),
  });
  return renderReportHtml(data, await reportClient());
}

/**
 * The report as an output file beside plan.json, or none: the report is read by people, and a
 * failure to build it must not cost a run its plan or its pull requests. The reason is logged.
 */
export async function reportFileFor(
  o: ReportFromPlanOptions,
  logger: Logger,
): Promise<Record<string, string>> {
  try {
    return { [REPORT_FILE]: await reportFromPlan(o) };
  } catch (err) {
    logger.error('report.html not written', { error: (err as Error).message });
    return {};
  }
}

/** pulls.json: the pull requests a run left open, so a later `tidemark report` links them. */
export function pullsFile(pulls: PullLink[], generatedAt: Date): string {
  const doc: PullsFile = {
    apiVersion: 'tidemark.io/v1alpha1',
    kind: 'Pulls',
    generatedAt: generatedAt.toISOString(),
    pulls: pulls.map((p) => ({
      cluster: p.cluster,
      number: p.number,
      url: p.url,
      ...(p.title ? { title: p.title } : {}),
      branch: p.branch ?? '',
      workloads: p.workloads,
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export { PULLS_FILE };
