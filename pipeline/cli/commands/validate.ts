import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { defaultDeps } from '../../plan/deps.js';
import { validatePipeline, type MetricsReport } from '../../plan/validate.js';
import { ConfigError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

export function registerValidateCommand(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description(
      'check the config, the policies, that every workload can be located in the repository, and the metrics source: which workloads have usage, which series match none (exit 0, 2 or 3)',
    )
    .requiredOption('-c, --config <file>', 'Pipeline config')
    .action(async (opts: { config: string }) => {
      const config = loadConfig(opts.config);
      const report = await validatePipeline(config, ctx.deps ?? defaultDeps(), ctx.logger);
      ctx.stdout(
        `config ok; policies ok; ${report.located} workload(s) located, ${report.excluded} excluded by policy\n`,
      );
      for (const u of report.unlocated)
        ctx.stdout(`  cannot locate ${u.cluster}/${u.workload}: ${u.reason}: ${u.detail}\n`);
      for (const m of report.metrics) ctx.stdout(describeMetrics(m));
      if (report.unlocated.length) {
        throw new ConfigError(`${report.unlocated.length} workload(s) cannot be located in the repository`, {
          file: config.file,
          field: 'clusters[].repo',
        });
      }
    });
}

function describeMetrics(m: MetricsReport): string {
  const iso = (t: number): string => new Date(t * 1000).toISOString().replace('.000Z', 'Z');
  const head = `cluster ${m.cluster}: metrics ${m.source}, window ${iso(m.window.start)} – ${iso(m.window.end)}`;
  if (m.skipped) return `${head}: not checked (the source cannot be surveyed)\n`;
  const lines = [
    `${head}: ${m.withUsage.length} workload(s) with usage, ${m.withoutUsage.length} without; ` +
      `${m.unmatchedSeries} series match no workload${m.unmatchedExample ? ` (e.g. ${m.unmatchedExample})` : ''}`,
  ];
  if (m.withoutUsage.length) lines.push(`  without usage: ${m.withoutUsage.join(', ')}`);
  if (m.invalidSamples)
    lines.push(
      `  ${m.invalidSamples.total} invalid sample(s) dropped (negative ${m.invalidSamples.negative}, not finite ${m.invalidSamples.nonFinite}, above the node ${m.invalidSamples.aboveNode}), e.g. ${m.invalidSamples.example}`,
    );
  if (m.notSurveyed) lines.push(`  not surveyed (too large for the server): ${m.notSurveyed.join(', ')}`);
  return lines.join('\n') + '\n';
}
