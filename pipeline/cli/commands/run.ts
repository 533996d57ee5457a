import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { systemClock } from '../../core/clock.js';
import { renderChanges, unifiedDiff } from '../../render/index.js';
import { publishPlan, type GroupOutcome } from '../../publish/publish.js';
import { publishSettingsFrom, type ResolvedPublish } from '../../publish/settings.js';
import type { Platform } from '../../publish/platform/types.js';
import type { PipelineConfig } from '../../config/types.js';
import { githubPlatformFor } from '../../publish/platform/github/from-settings.js';
import type { DryRun } from '../../publish/write-gate.js';
import { planToOutputs } from './plan.js';
import { openWorkspace, type Workspace } from '../../publish/git/workspace.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderPlanTable, terminalTableOptions } from '../table.js';
import type { CliContext } from '../context.js';
import { openPulls, reportUrlFor, writeRunReport } from '../run-report.js';

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('plan, then open or update one pull request per group (publish.github in the config)')
    .requiredOption('-c, --config <file>', 'Pipeline config')
    .option('-o, --out <dir>', 'output directory for plan.json, changes.diff, pr.md', 'tidemark-out')
    .option(
      '--dry-run <mode>',
      'plan: print the diffs and PR bodies, touch nothing; full: also log every write it would make to git and GitHub, make none',
    )
    .action(async (opts: { config: string; out?: string; dryRun?: string }) => {
      const dryRun = parseDryRun(opts.dryRun);
      const config = loadConfig(opts.config);
      // Settings and credentials are checked before minutes of planning.
      const pub = publishSettingsFrom(config);
      const platform = await githubPlatformFor(pub, ctx.logger);
      const checkout = await cloneForClusters(config, pub, platform);
      try {
        const { outputs, outDir } = await planToOutputs(ctx, {
          config: opts.config,
          out: opts.out,
          loaded: config,
        });
        ctx.stdout(renderPlanTable(outputs.doc, terminalTableOptions()));
        const result = await publishPlan({
          settings: pub.settings,
          platform,
          clusters: outputs.run.clusters,
          doc: outputs.doc,
          // Each group is rendered again into a checkout of the current base, never the local one.
          render: (cluster, changes, repoDir) =>
            renderChanges({
              repoDir,
              repo: { ...cluster.cluster.repo, path: repoDir },
              cluster: cluster.cluster.name,
              model: cluster.model,
              changes,
              logger: ctx.logger,
            }),
          unifiedDiff,
          logger: ctx.logger,
          clock: systemClock,
          dryRun,
          reportUrl: reportUrlFor(config),
        });
        if (dryRun === 'plan')
          for (const p of result.previews)
            ctx.stdout(`\n=== ${p.branch}: ${p.title}\n\n${p.body}\n\n${p.diff}\n`);
        ctx.stdout(outcomeTable(result.outcomes));
        if (dryRun === 'none')
          await writeRunReport(ctx, {
            outDir,
            outputs,
            config,
            pulls: openPulls(result.outcomes, outputs, pub),
            now: new Date(systemClock.now()),
          });
        if (dryRun === 'full') ctx.stdout(`dry run: ${result.writes.length} write(s) logged, none made\n`);
      } finally {
        checkout?.close();
      }
    });
}

/**
 * Clusters with `repo.clone` (a CronJob has no checkout) plan against one fresh clone of the
 * publish repository's base branch, with its full history for the change trailers.
 */
async function cloneForClusters(
  config: PipelineConfig,
  pub: ResolvedPublish,
  platform: Platform,
): Promise<Workspace | undefined> {
  const cloned = config.clusters.filter((c) => c.repo.clone);
  if (!cloned.length) return undefined;
  const repo = await platform.getRepo();
  const ws = await openWorkspace({
    cloneUrl: pub.settings.cloneUrl ?? repo.cloneUrl,
    token: await platform.gitToken(),
    base: pub.settings.baseBranch ?? repo.defaultBranch,
    identity: pub.settings.identity,
    branchPrefix: pub.settings.branchPrefix,
  });
  for (const cluster of cloned) {
    cluster.repo.path = ws.dir;
    if (!existsSync(join(ws.dir, cluster.repo.root))) {
      ws.close();
      throw new ConfigError(
        `repo.root ${cluster.repo.root} is not in ${pub.settings.owner}/${pub.settings.repo}`,
        {
          file: config.file,
          object: `cluster ${cluster.name}`,
          field: 'repo.root',
        },
      );
    }
  }
  return ws;
}

function parseDryRun(v: string | undefined): DryRun {
  if (v === undefined) return 'none';
  if (v === 'plan' || v === 'full') return v;
  throw new ConfigError(`--dry-run must be plan or full, not "${v}"`, { field: '--dry-run' });
}

function outcomeTable(outcomes: GroupOutcome[]): string {
  if (!outcomes.length) return 'no pull requests to open, update or close\n';
  const rows = outcomes.map(
    (o) =>
      `${o.action.padEnd(18)} ${o.pull ? `#${o.pull}`.padEnd(6) : ''.padEnd(6)} ${o.branch}${o.detail ? ` — ${o.detail}` : ''}`,
  );
  return ['pull requests:', ...rows].join('\n') + '\n';
}
