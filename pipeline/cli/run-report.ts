/**
 * `tidemark run`'s part in the cost report: the link each PR body carries, and after publishing,
 * report.html again with the pull requests the run left open, plus pulls.json so a later
 * `tidemark report` over the artifacts links them too.
 */
import type { PipelineConfig } from '../config/types.js';
import { reportSettingsFrom } from '../config/report-settings.js';
import { writeOutputFiles } from '../core/output-dir.js';
import type { PlanOutputs } from '../plan/outputs.js';
import type { GroupOutcome } from '../publish/publish.js';
import type { ResolvedPublish } from '../publish/settings.js';
import { groupsOf } from '../publish/pr/grouping.js';
import type { PullLink } from '../report/data.js';
import { PULLS_FILE, pullsFile, reportFileFor } from '../report/write.js';
import type { CliContext } from './context.js';

/**
 * Where a PR body points for the report: `report.url` (e.g. GitHub Pages), else, inside GitHub
 * Actions, the run whose artifacts hold it; else nowhere.
 */
export function reportUrlFor(
  config: PipelineConfig,
  env: Record<string, string | undefined> = process.env,
): string | undefined {
  const url = reportSettingsFrom(config).url;
  if (url) return url;
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID)
    return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  return undefined;
}

/** Outcomes that leave a pull request open. */
const OPEN = new Set<GroupOutcome['action']>([
  'created',
  'updated',
  'unchanged',
  'kept',
  'limited',
  'blocked-human-edit',
  'revert-opened',
  'revert-exists',
]);

/** The open pull requests, each with the workloads of its group and its web address. */
export function openPulls(outcomes: GroupOutcome[], outputs: PlanOutputs, pub: ResolvedPublish): PullLink[] {
  const web =
    pub.apiUrl === 'https://api.github.com' ? 'https://github.com' : pub.apiUrl.replace(/\/api\/v3$/, '');
  const s = pub.settings;
  // The groups as publish made them (a cluster-wide concern such as overcommit is a group of its own).
  const groups = new Map<string, string[]>();
  for (const cluster of outputs.run.clusters)
    for (const g of groupsOf(cluster, s.grouping))
      groups.set(
        `${g.cluster}\n${g.key}`,
        g.changes.map((c) => c.workload),
      );
  return outcomes
    .filter((o) => o.pull !== undefined && OPEN.has(o.action))
    .map((o) => {
      const workloads = groups.get(`${o.cluster}\n${o.group}`) ?? [];
      return {
        cluster: o.cluster,
        number: o.pull!,
        url: `${web}/${s.owner}/${s.repo}/pull/${o.pull}`,
        branch: o.branch,
        workloads,
      };
    });
}

/** Rewrites the run's outputs with report.html linking the open pull requests, and pulls.json. */
export async function writeRunReport(
  ctx: CliContext,
  o: { outDir: string; outputs: PlanOutputs; config: PipelineConfig; pulls: PullLink[]; now: Date },
): Promise<void> {
  const report = await reportFileFor(
    { doc: o.outputs.doc, config: o.config, outDir: o.outDir, pulls: o.pulls },
    ctx.logger,
  );
  // Every file again: an output directory is replaced as a whole (core/output-dir.ts).
  writeOutputFiles(
    o.outDir,
    { ...o.outputs.files, ...report, [PULLS_FILE]: pullsFile(o.pulls, o.now) },
    'run',
  );
}
