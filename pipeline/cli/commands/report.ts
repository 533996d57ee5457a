import type { Command } from 'commander';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { readConfigDocument } from '../../config/load.js';
import { reportSettingsFrom } from '../../config/report-settings.js';
import { ConfigError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { outputDir, writeOutputFiles } from '../../core/output-dir.js';
import { readPlans } from '../../report/inputs/plans.js';
import { buildReport } from '../../report/model/build.js';
import { renderReportHtml } from '../../report/html/page.js';
import { reportClient } from '../../report/client-bundle.js';
import { readHistories, REPORT_FILE } from '../../report/write.js';
import type { CliContext } from '../context.js';
import { OUT_HELP } from '../out-option.js';

interface ReportOptions {
  repo?: string[];
  config?: string;
  period?: string;
  out: string;
}

export function registerReportCommand(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description(
      'write report.html, the cost report, from plan.json files (or folders of them, e.g. a fleet’s artifacts) and the GitOps history',
    )
    .argument('<plans...>', 'plan.json files, or folders searched for them')
    .option(
      '--repo <dir...>',
      'GitOps checkout(s) whose Tidemark commits say what was merged, reverted and done by the guardian',
    )
    .option(
      '-c, --config <file>',
      'Pipeline config: its report section (teams are already in the plans; period, url) and its clusters’ checkouts',
    )
    .option(
      '--period <duration>',
      'the period compared with the one before (default: report.period, else 30d)',
    )
    .option('-o, --out <dir>', OUT_HELP, 'tidemark-report')
    .action(async (paths: string[], opts: ReportOptions) => {
      // Refused before any reading; checked again when the file is written.
      const outDir = outputDir(opts.out, 'report');
      // The config's text and schema only: the job that builds a fleet's report (the workflow's
      // `fleet` job) has none of the credential files the config names.
      const config = opts.config ? readConfigDocument(opts.config) : undefined;
      const settings = reportSettingsFrom(config && { raw: config.data });
      const periodSeconds = opts.period ? periodOf(opts.period) : settings.periodSeconds;
      const plans = readPlans(paths);
      // Writing over a folder that holds an input plan would replace that plan with the report.
      for (const p of plans) {
        const inside = relative(outDir, p.file);
        if (!inside.startsWith('..') && !isAbsolute(inside))
          throw new ConfigError(`holds an input plan (${p.file}); write the report elsewhere`, {
            file: outDir,
            field: '--out',
          });
      }
      const repos = opts.repo?.length
        ? opts.repo.map((r) => resolve(r))
        : (config?.data.clusters.flatMap((c) =>
            c.repo.path && !c.repo.clone ? [resolve(dirname(config.file), c.repo.path)] : [],
          ) ?? []);
      const now = Math.max(...plans.flatMap((p) => p.doc.clusters.map((c) => Date.parse(c.at) / 1000)));
      const since = now - 2 * periodSeconds;
      const events = repos.length ? await readHistories(repos, since) : undefined;
      const data = buildReport({
        plans,
        periodSeconds,
        ...(events ? { events, history: { repo: repos.join(', '), since } } : {}),
      });
      writeOutputFiles(outDir, { [REPORT_FILE]: renderReportHtml(data, await reportClient()) }, 'report');
      ctx.stdout(
        `wrote ${outDir}/${REPORT_FILE}: ${data.clusters.length} cluster(s), ${data.workloads.length} workload(s), ` +
          `${data.sources.plans.length} plan(s)${events ? `, ${events.length} Tidemark change(s) in the history` : ', no history (--repo)'}\n`,
      );
    });
}

function periodOf(v: string): number {
  try {
    const s = parseDuration(v);
    if (s > 0) return s;
  } catch {
    /* reported below */
  }
  throw new ConfigError(`--period must be a duration such as 7d or 30d, not "${v}"`, { field: '--period' });
}
