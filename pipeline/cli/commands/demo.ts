import type { Command } from 'commander';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { prepareDemoWorkspace, removeDemoWorkspace } from '../demo-workspace.js';
import { outputDir } from '../../core/output-dir.js';
import { planToOutputs } from './plan.js';
import { renderPlanTable, terminalTableOptions } from '../table.js';
import type { CliContext } from '../context.js';
import { OUT_HELP } from '../out-option.js';

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'run `plan` on the embedded demo (a snapshot, generated metrics and a GitOps repo in a temp dir), offline',
    )
    .option(
      '-o, --out <dir>',
      `${OUT_HELP}; keeps plan.json, changes.diff and pr.md there (default: in the temp dir, removed with it)`,
    )
    .option('--keep', 'keep the temp dir (snapshot, metrics, GitOps repo, outputs) instead of removing it')
    .action(async (opts: { out?: string; keep?: boolean }) => {
      if (opts.out !== undefined) outputDir(opts.out, 'demo');
      const t0 = performance.now();
      const ws = await prepareDemoWorkspace();
      // The workspace is ~270 MB of metrics: removed after a good run, kept to look at after a failure.
      let done = false;
      try {
        const t1 = performance.now();
        const { outputs, outDir } = await planToOutputs(ctx, {
          config: ws.config,
          out: opts.out ?? join(ws.dir, 'out'),
          command: 'demo',
        });
        const t2 = performance.now();
        ctx.stdout(renderPlanTable(outputs.doc, terminalTableOptions()));
        ctx.stdout('\n' + (outputs.diff || '(no changes)\n'));
        const wrote =
          opts.out !== undefined || opts.keep
            ? `wrote ${outDir}/plan.json, changes.diff, pr.md, pr/, report.html\n`
            : '';
        ctx.stdout(
          `\n${wrote}prepare ${((t1 - t0) / 1000).toFixed(1)}s, plan ${((t2 - t1) / 1000).toFixed(1)}s\n`,
        );
        done = true;
      } finally {
        if (!done) ctx.logger.warn('demo failed; its workspace is kept', { workspace: ws.dir });
        else if (opts.keep) ctx.stdout(`workspace ${ws.dir} (repo: ${ws.repo}) kept\n`);
        else {
          removeDemoWorkspace(ws);
          ctx.stdout(`workspace ${ws.dir} removed (--keep keeps it)\n`);
        }
      }
    });
}
