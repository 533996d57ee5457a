import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { defaultDeps } from '../../plan/deps.js';
import { writeSnapshot } from '../../collect/snapshot/write.js';
import { outputDir } from '../../core/output-dir.js';
import type { CliContext } from '../context.js';
import { OUT_HELP } from '../out-option.js';

export function registerSnapshotCommand(program: Command, ctx: CliContext): void {
  program
    .command('snapshot')
    .description(
      "export a cluster's state as the snapshot the offline source reads (for offline runs and bug reports)",
    )
    .requiredOption('-c, --config <file>', 'Pipeline config')
    .requiredOption('--cluster <name>', 'which cluster of the config to read')
    .requiredOption('-o, --out <dir>', OUT_HELP)
    .action(async (opts: { config: string; cluster: string; out: string }) => {
      // Refused before the cluster is read; checked again when the files are written.
      const out = outputDir(opts.out, 'snapshot');
      const config = loadConfig(opts.config);
      const cluster = config.clusters.find((c) => c.name === opts.cluster);
      if (!cluster)
        throw new ConfigError(`unknown cluster "${opts.cluster}"`, { file: config.file, field: 'clusters' });
      const deps = ctx.deps ?? defaultDeps();
      const inv = await deps.kubernetesSource(cluster, ctx.logger).read({ logger: ctx.logger });
      const manifest = writeSnapshot(inv, out, cluster.name);
      const total = manifest.files.reduce((n, f) => n + f.count, 0);
      ctx.stdout(`wrote ${out}: ${total} objects of ${manifest.files.length} kinds\n`);
    });
}
