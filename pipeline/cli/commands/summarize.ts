import type { Command } from 'commander';
import { listClusters } from '../../fleet/clusters.js';
import { readPlanFile, summarizeFleet, fleetMarkdown } from '../../fleet/summarize.js';
import { outputDir, writeOutputFiles } from '../../core/output-dir.js';
import { systemClock } from '../../core/clock.js';
import type { CliContext } from '../context.js';
import { OUT_HELP } from '../out-option.js';

export function registerSummarizeCommand(program: Command, ctx: CliContext): void {
  program
    .command('summarize')
    .description(
      "add up a fleet's plans (one plan.json or folder holding one per DIR): prints a Markdown summary, writes fleet.json and fleet.md",
    )
    .argument('<dir...>', 'plan.json files, or folders holding one (e.g. the per-cluster artifacts)')
    .option(
      '-c, --config <file>',
      'the config: its clusters without a plan are listed as missing, with their group',
    )
    .option('-o, --out <dir>', OUT_HELP, 'tidemark-fleet')
    .action((dirs: string[], opts: { config?: string; out: string }) => {
      const out = outputDir(opts.out, 'summarize');
      const expected = opts.config ? listClusters(opts.config) : undefined;
      const fleet = summarizeFleet(dirs.map(readPlanFile), { expected, now: new Date(systemClock.now()) });
      const markdown = fleetMarkdown(fleet);
      writeOutputFiles(
        out,
        { 'fleet.json': JSON.stringify(fleet, null, 2) + '\n', 'fleet.md': markdown },
        'summarize',
      );
      ctx.stdout(markdown);
      // stdout is the summary alone (it is appended to $GITHUB_STEP_SUMMARY as is).
      ctx.logger.info('wrote the fleet summary', {
        out,
        clusters: fleet.totals.planned,
        missing: fleet.totals.missing,
      });
    });
}
