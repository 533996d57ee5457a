import type { Command } from 'commander';
import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { PipelineConfig } from '../../config/types.js';
import { writeOutputFiles } from '../../core/output-dir.js';
import { systemClock } from '../../core/clock.js';
import { runPlan } from '../../plan/run.js';
import { defaultDeps } from '../../plan/deps.js';
import { buildOutputs, type PlanOutputs } from '../../plan/outputs.js';
import { unifiedDiff } from '../../render/index.js';
import { terminalTableOptions } from '../table.js';
import { formatPlan, isMachineFormat, parseOutputFormat } from '../output/formats.js';
import type { CliContext } from '../context.js';
import { reportFileFor } from '../../report/write.js';

export interface PlanCommandOptions {
  config: string;
  /** The config already loaded (and adjusted, e.g. a cloned repo path by `run`). */
  loaded?: PipelineConfig;
  out?: string;
  cluster?: string[];
  diff?: boolean;
  output?: string;
}

/** Runs the plan and writes outputs; shared by plan, apply and demo. */
export async function planToOutputs(
  ctx: CliContext,
  opts: PlanCommandOptions,
): Promise<{ outputs: PlanOutputs; outDir: string }> {
  const config = opts.loaded ?? loadConfig(opts.config);
  const run = await runPlan({
    config,
    deps: ctx.deps ?? defaultDeps(),
    logger: ctx.logger,
    clock: systemClock,
    clusters: opts.cluster,
  });
  const outputs = buildOutputs(run, config, { now: new Date(systemClock.now()), unifiedDiff });
  const outDir = resolve(opts.out ?? 'tidemark-out');
  Object.assign(outputs.files, await reportFileFor({ doc: outputs.doc, config, outDir }, ctx.logger));
  writeOutputFiles(outDir, outputs.files);
  return { outputs, outDir };
}

export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .description('compute recommendations and the repository edits; writes plan.json, changes.diff and pr.md')
    .requiredOption('-c, --config <file>', 'Pipeline config (tidemark.io/v1alpha1 Pipeline)')
    .option('-o, --out <dir>', 'output directory', 'tidemark-out')
    .option('--cluster <name...>', 'only these clusters')
    .option('--diff', 'also print the unified diff')
    .option('--output <format>', 'what to print: table (default), wide, json, yaml, csv or markdown')
    .action(async (opts: PlanCommandOptions) => {
      const format = parseOutputFormat(opts.output);
      const { outputs, outDir } = await planToOutputs(ctx, opts);
      ctx.stdout(formatPlan(outputs.doc, format, terminalTableOptions()));
      if (opts.diff) ctx.stdout(outputs.diff || '(no changes)\n');
      const wrote = `wrote ${outDir}/plan.json, changes.diff (${outputs.edits.length} file(s)), pr.md, report.html`;
      // json, yaml and csv are read by programs: nothing else goes to stdout with them.
      if (isMachineFormat(format)) ctx.logger.info('outputs written', { dir: outDir });
      else ctx.stdout(wrote + '\n');
    });
}
