import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { defaultDeps } from '../../plan/deps.js';
import { validatePipeline } from '../../plan/validate.js';
import { ConfigError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

export function registerValidateCommand(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description(
      'check the config, the policies, and that every workload can be located in the repository (exit 0 or 2)',
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
      if (report.unlocated.length) {
        throw new ConfigError(`${report.unlocated.length} workload(s) cannot be located in the repository`, {
          file: config.file,
          field: 'clusters[].repo',
        });
      }
    });
}
