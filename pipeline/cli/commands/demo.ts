import type { Command } from 'commander';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { prepareDemoWorkspace } from '../demo-workspace.js';
import { planToOutputs } from './plan.js';
import { renderPlanTable, terminalTableOptions } from '../table.js';
import type { CliContext } from '../context.js';

export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description(
      'run `plan` on the embedded demo (a snapshot, generated metrics and a GitOps repo in a temp dir), offline',
    )
    .option('-o, --out <dir>', 'keep plan.json, changes.diff and pr.md here (default: inside the temp dir)')
    .action(async (opts: { out?: string }) => {
      const t0 = performance.now();
      const ws = await prepareDemoWorkspace();
      const t1 = performance.now();
      const { outputs, outDir } = await planToOutputs(ctx, {
        config: ws.config,
        out: opts.out ?? join(ws.dir, 'out'),
      });
      const t2 = performance.now();
      ctx.stdout(renderPlanTable(outputs.doc, terminalTableOptions()));
      ctx.stdout('\n' + (outputs.diff || '(no changes)\n'));
      ctx.stdout(
        `\nworkspace ${ws.dir} (repo: ${ws.repo})\nwrote ${outDir}/plan.json, changes.diff, pr.md, report.html\n` +
          `prepare ${((t1 - t0) / 1000).toFixed(1)}s, plan ${((t2 - t1) / 1000).toFixed(1)}s\n`,
      );
    });
}
