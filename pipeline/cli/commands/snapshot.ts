import type { Command } from 'commander';
import { resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { ConfigError } from '../../core/errors.js';
import { defaultDeps } from '../../plan/deps.js';
import { writeSnapshot } from '../../collect/snapshot/write.js';
import type { CliContext } from '../context.js';

export function registerSnapshotCommand(program: Command, ctx: CliContext): void {
  program
    .command('snapshot')
    .description(
      "export a cluster's state as the snapshot the offline source reads (for offline runs and bug reports)",
    )
    .requiredOption('-c, --config <file>', 'Pipeline config')
    .requiredOption('--cluster <name>', 'which cluster of the config to read')
    .requiredOption('-o, --out <dir>', 'directory to write (replaced as a whole)')
    .action(async (opts: { config: string; cluster: string; out: string }) => {
      const config = loadConfig(opts.config);
      const cluster = config.clusters.find((c) => c.name === opts.cluster);
      if (!cluster)
        throw new ConfigError(`unknown cluster "${opts.cluster}"`, { file: config.file, field: 'clusters' });
      const deps = ctx.deps ?? defaultDeps();
      const inv = await deps.kubernetesSource(cluster, ctx.logger).read({ logger: ctx.logger });
      const out = resolve(opts.out);
      const manifest = writeSnapshot(inv, out, cluster.name);
      const total = manifest.files.reduce((n, f) => n + f.count, 0);
      ctx.stdout(`wrote ${out}: ${total} objects of ${manifest.files.length} kinds\n`);
    });
}
