import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import type { PipelineConfig } from '../../config/types.js';
import { outputDir, writeOutputFiles } from '../../core/output-dir.js';
import { systemClock } from '../../core/clock.js';
import { runPlan } from '../../plan/run.js';
import { defaultDeps } from '../../plan/deps.js';
import { buildOutputs, type PlanOutputs } from '../../plan/outputs.js';
import { unifiedDiff } from '../../render/index.js';
import { terminalTableOptions } from '../table.js';
import { formatPlan, isMachineFormat, parseOutputFormat } from '../output/formats.js';
import type { CliContext } from '../context.js';
import { OUT_HELP } from '../out-option.js';
import { reportFileFor } from '../../report/write.js';

export interface PlanCommandOptions {
  config: string;
  /** The config already loaded (and adjusted, e.g. a cloned repo path by `run`). */
  loaded?: PipelineConfig;
  /** The output directory as given (`--out`); checked by `outputDir` before any work. */
  out?: string;
  /** The command whose output this is (recorded in the directory's marker). */
  command?: string;
  cluster?: string[];
  diff?: boolean;
  output?: string;
}

/** Runs the plan and writes outputs; shared by plan, apply, demo and run. */
export async function planToOutputs(
  ctx: CliContext,
  opts: PlanCommandOptions,
): Promise<{ outputs: PlanOutputs; outDir: string }> {
  const planned = await planOutputs(ctx, opts);
  writeOutputFiles(planned.outDir, planned.outputs.files, opts.command ?? 'plan');
  return planned;
}

/** Runs the plan; the caller writes `outputs.files` to `outDir` when it has succeeded. */
export async function planOutputs(
  ctx: CliContext,
  opts: PlanCommandOptions,
): Promise<{ outputs: PlanOutputs; outDir: string }> {
  // Refused before minutes of planning; checked again when the files are written.
  const outDir = outputDir(opts.out ?? 'tidemark-out', opts.command ?? 'plan');
  const config = opts.loaded ?? loadConfig(opts.config);
  const run = await runPlan({
    config,
    deps: ctx.deps ?? defaultDeps(),
    logger: ctx.logger,
    clock: systemClock,
    clusters: opts.cluster,
  });
  const outputs = buildOutputs(run, config, { now: new Date(systemClock.now()), unifiedDiff });
  Object.assign(outputs.files, await reportFileFor({ doc: outputs.doc, config, outDir }, ctx.logger));
  return { outputs, outDir };
}

export function registerPlanCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .description('compute recommendations and the repository edits; writes plan.json, changes.diff and pr.md')
    .requiredOption('-c, --config <file>', 'Pipeline config (tidemark.io/v1alpha1 Pipeline)')
    .option('-o, --out <dir>', OUT_HELP, 'tidemark-out')
    .option('--cluster <name...>', 'only these clusters')
    .option('--diff', 'also print the unified diff')
    .option('--output <format>', 'what to print: table (default), wide, json, yaml, csv or markdown')
    .action(async (opts: PlanCommandOptions) => {
      const format = parseOutputFormat(opts.output);
      const { outputs, outDir } = await planToOutputs(ctx, opts);
      ctx.stdout(formatPlan(outputs.doc, format, terminalTableOptions()));
      if (opts.diff) ctx.stdout(outputs.diff || '(no changes)\n');
      const wrote = `wrote ${outDir}/plan.json, changes.diff (${outputs.edits.length} file(s)), pr.md, pr/, report.html`;
      // json, yaml and csv are read by programs: nothing else goes to stdout with them.
      if (isMachineFormat(format)) ctx.logger.info('outputs written', { dir: outDir });
      else ctx.stdout(wrote + '\n');
    });
}
