import type { Command } from 'commander';
import { listClusters } from '../../fleet/clusters.js';
import type { CliContext } from '../context.js';

export function registerClustersCommand(program: Command, ctx: CliContext): void {
  program
    .command('clusters')
    .description(
      "list the config's clusters, one job each (a GitHub Actions matrix's include list with --json)",
    )
    .requiredOption('-c, --config <file>', 'Pipeline config')
    .option('--group <name>', 'only the clusters of this group (clusters[].group)')
    .option('--json', 'one JSON array of {name, group?, state?} on one line')
    .action((opts: { config: string; group?: string; json?: boolean }) => {
      const clusters = listClusters(opts.config, { group: opts.group });
      if (opts.json) {
        ctx.stdout(JSON.stringify(clusters) + '\n');
        return;
      }
      const width = Math.max(4, ...clusters.map((c) => c.name.length));
      const gwidth = Math.max(5, ...clusters.map((c) => (c.group ?? '').length));
      ctx.stdout(`${'NAME'.padEnd(width)}  ${'GROUP'.padEnd(gwidth)}  STATE\n`);
      for (const c of clusters)
        ctx.stdout(
          `${c.name.padEnd(width)}  ${(c.group ?? '-').padEnd(gwidth)}  ${c.state ?? '-'}\n`.replace(
            / +\n$/,
            '\n',
          ),
        );
    });
}
