import type { Command } from 'commander';
import { planOutputs } from './plan.js';
import { outputDir, writeOutputFiles } from '../../core/output-dir.js';
import { commitToNewBranch, assertBranchFree } from '../../publish/git/local-branch.js';
import { commitMessage } from '../../publish/git/commit-message.js';
import { assertCheckout, loadConfig } from '../../config/load.js';
import { renderPlanTable } from '../table.js';
import type { CliContext } from '../context.js';
import { OUT_HELP } from '../out-option.js';
import type { ClusterPlanResult } from '../../plan/run.js';
import type { WorkloadChange } from '../../plan/types.js';

export function registerApplyCommand(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .description("make the plan's edits as one commit on a new local branch of the GitOps checkout (no push)")
    .requiredOption('-c, --config <file>', 'Pipeline config')
    .requiredOption('-b, --branch <name>', 'name of the new branch')
    .option('-o, --out <dir>', `${OUT_HELP}; plan.json, changes.diff and pr.md`, 'tidemark-out')
    .action(async (opts: { config: string; branch: string; out?: string }) => {
      // Everything that can refuse is checked before minutes of planning: the output directory,
      // each checkout (a git work tree's top, with a commit) and the branch name.
      outputDir(opts.out ?? 'tidemark-out', 'apply');
      const config = loadConfig(opts.config);
      for (const c of config.clusters) {
        assertCheckout(config, c);
        await assertBranchFree(c.repo.path, opts.branch);
      }
      const { outputs, outDir } = await planOutputs(ctx, {
        config: opts.config,
        loaded: config,
        out: opts.out,
        command: 'apply',
      });
      ctx.stdout(renderPlanTable(outputs.doc));
      // One commit per repository checkout (clusters may share one repo or use several).
      const byRepo = new Map<string, { cluster: string[] }>();
      for (const c of config.clusters)
        byRepo.set(c.repo.path, { cluster: [...(byRepo.get(c.repo.path)?.cluster ?? []), c.name] });
      let made = 0;
      for (const [repoDir, { cluster }] of byRepo) {
        const results = outputs.run.clusters.filter((c) => cluster.includes(c.cluster.name));
        const edits = results.flatMap((c) => c.render.edits);
        if (!edits.length) {
          ctx.stdout(`${repoDir}: nothing to apply\n`);
          continue;
        }
        const changes = results.flatMap((c) => appliedChanges(c));
        const res = await commitToNewBranch({
          repoDir,
          branch: opts.branch,
          edits,
          message: commitMessage(changes, { cluster: cluster.join(', ') }),
        });
        made++;
        ctx.stdout(
          `${repoDir}: created branch ${res.branch} at ${res.commit.slice(0, 12)} (${edits.length} file(s)) from ${res.base.slice(0, 12)}\n`,
        );
      }
      if (!made) ctx.stdout('no branch created: the plan has no edits\n');
      // Written once the branches exist: a refused commit leaves no output behind.
      writeOutputFiles(outDir, outputs.files, 'apply');
      ctx.stdout(`wrote ${outDir}/plan.json, changes.diff, pr.md, pr/\n`);
    });
}

/** The changes as rendered: workloads that produced edits, without fields render skipped. */
function appliedChanges(c: ClusterPlanResult): WorkloadChange[] {
  return c.changes
    .filter((ch) => c.render.rendered.has(ch.workload))
    .map((ch) => {
      const skippedContainers = new Set(
        c.render.skipped.filter((s) => s.workload === ch.workload && s.container).map((s) => s.container),
      );
      return {
        ...ch,
        fields: ch.fields.filter(
          (f) => !f.path.some((seg) => typeof seg === 'object' && skippedContainers.has(seg.name)),
        ),
      };
    });
}
