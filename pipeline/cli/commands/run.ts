import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { systemClock } from '../../core/clock.js';
import { renderChanges, unifiedDiff } from '../../render/index.js';
import { publishPlan, NOT_READ_IN_PLAN, type GroupOutcome } from '../../publish/publish.js';
import { publishSettingsFrom, type ResolvedPublish } from '../../publish/settings.js';
import type { Platform } from '../../publish/platform/types.js';
import type { PipelineConfig } from '../../config/types.js';
import { githubPlatformFor } from '../../publish/platform/github/from-settings.js';
import type { DryRun } from '../../publish/write-gate.js';
import { planToOutputs } from './plan.js';
import { outputDir } from '../../core/output-dir.js';
import { openWorkspace, type Workspace } from '../../publish/git/workspace.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { renderPlanTable, terminalTableOptions } from '../table.js';
import type { CliContext } from '../context.js';
import { OUT_HELP } from '../out-option.js';
import { openPulls, reportUrlFor, writeRunReport } from '../run-report.js';

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('plan, then open or update one pull request per group (publish.github in the config)')
    .requiredOption('-c, --config <file>', 'Pipeline config')
    .option('-o, --out <dir>', `${OUT_HELP}; plan.json, changes.diff, pr.md and pr/`, 'tidemark-out')
    .option('--cluster <name...>', 'only these clusters (one job per cluster in a fleet)')
    .option(
      '--dry-run <mode>',
      'plan: print each PR body and diff from the local checkout, offline (no token, no network); full: also read GitHub and log every write it would make, make none',
    )
    .action(async (opts: { config: string; out?: string; dryRun?: string; cluster?: string[] }) => {
      const dryRun = parseDryRun(opts.dryRun);
      outputDir(opts.out ?? 'tidemark-out', 'run');
      const config = onlyClusters(loadConfig(opts.config), opts.cluster);
      // Settings and credentials are checked before minutes of planning.
      const pub = publishSettingsFrom(config);
      let platform: Platform | undefined;
      let checkout: Workspace | undefined;
      if (dryRun === 'plan') assertLocalCheckouts(config, pub);
      else {
        platform = await githubPlatformFor(pub, ctx.logger);
        // GitHub unreachable or the repository not visible: said now, not after the plan.
        await platform.getRepo();
        checkout = await cloneForClusters(config, pub, platform);
      }
      try {
        const { outputs, outDir } = await planToOutputs(ctx, {
          config: opts.config,
          out: opts.out,
          loaded: config,
          command: 'run',
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
          bodyMaxChars: config.output.prBodyMaxChars,
          reportUrl: reportUrlFor(config),
        });
        if (dryRun !== 'none')
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
        if (dryRun === 'plan')
          ctx.stdout(
            `dry run (plan): offline; GitHub's open, closed and merged PRs and its PR counts are ${NOT_READ_IN_PLAN} (--dry-run full reads them)\n`,
          );
        if (dryRun === 'full') ctx.stdout(`dry run: ${result.writes.length} write(s) logged, none made\n`);
      } finally {
        checkout?.close();
      }
    });
}

/**
 * A plan dry run reads no network, so it cannot clone: a cluster with `repo.clone` needs a local
 * checkout (`repo.path`) to be previewed offline.
 */
function assertLocalCheckouts(config: PipelineConfig, pub: ResolvedPublish): void {
  config.clusters.forEach((cluster, i) => {
    if (cluster.repo.clone)
      throw new ConfigError(
        `--dry-run plan works offline on a local checkout, and this cluster has repo: { clone: true }: ` +
          `give repo.path (a checkout of ${pub.settings.owner}/${pub.settings.repo}) to preview offline, ` +
          'or use --dry-run full (clones the repository and reads GitHub, writes nothing)',
        { file: config.file, object: `cluster ${cluster.name}`, field: `clusters[${i}].repo.clone` },
      );
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

/**
 * `--cluster`: the run knows only these clusters, so it clones for, plans, publishes and closes
 * PRs of these alone; another job's clusters (sharing the repository) are not its business.
 */
function onlyClusters(config: PipelineConfig, names: string[] | undefined): PipelineConfig {
  if (!names?.length) return config;
  const unknown = names.filter((n) => !config.clusters.some((c) => c.name === n));
  if (unknown.length)
    throw new ConfigError(
      `unknown cluster ${unknown.map((n) => `"${n}"`).join(', ')} (the config has ${config.clusters.map((c) => c.name).join(', ')})`,
      { file: config.file, field: '--cluster' },
    );
  return { ...config, clusters: config.clusters.filter((c) => names.includes(c.name)) };
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
