/**
 * `tidemark apply`: the plan's edits as one commit on a new local branch of the GitOps checkout.
 * The commit is built in a temporary worktree, so the user's working tree and current branch are
 * never touched, and the branch ref appears only once the commit exists: a failure leaves no
 * half-written branch.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { PublishError, ConfigError } from '../../core/errors.js';
import type { FileEdit } from '../../render/types.js';

export interface CommitIdentity {
  name: string;
  email: string;
}

export const DEFAULT_IDENTITY: CommitIdentity = {
  name: 'tidemark[bot]',
  email: 'tidemark@users.noreply.github.com',
};

export function gitAt(dir: string, identity: CommitIdentity = DEFAULT_IDENTITY): SimpleGit {
  return simpleGit({
    baseDir: dir,
    config: [`user.name=${identity.name}`, `user.email=${identity.email}`, 'core.autocrlf=false'],
  });
}

/**
 * Throws unless repoDir is the top of a git work tree with a commit, and the branch name is
 * valid and free. A folder inside another checkout is refused: its edits' paths are relative to
 * it, so a commit there would put them at the wrong place in the enclosing repository.
 */
export async function assertBranchFree(repoDir: string, branch: string): Promise<void> {
  const git = gitAt(repoDir);
  const top = await git.raw(['rev-parse', '--show-toplevel']).catch(() => null);
  if (top === null)
    throw new ConfigError('not a git repository (run `git init` and commit)', { file: repoDir });
  if (realpathSync(top.trim()) !== realpathSync(repoDir)) {
    const inner = relative(realpathSync(top.trim()), realpathSync(repoDir));
    throw new ConfigError(
      `not the top of a git checkout but the folder ${inner}/ inside ${top.trim()}: ` +
        `set repo.path to ${top.trim()} and put ${inner}/ in front of repo.root`,
      { file: repoDir, field: 'repo.path' },
    );
  }
  if ((await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim() === '')
    throw new ConfigError('the git repository has no commit yet; commit its files first', { file: repoDir });
  const valid = await git.raw(['check-ref-format', '--branch', branch]).catch(() => null);
  if (valid === null) throw new ConfigError(`invalid branch name "${branch}"`, { field: '--branch' });
  const exists = await git.raw(['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).catch(() => '');
  if (exists.trim()) {
    throw new PublishError(
      'git-failed',
      `branch "${branch}" already exists; choose another name or delete it`,
      { file: repoDir },
    );
  }
}

export async function commitToNewBranch(opts: {
  repoDir: string;
  branch: string;
  edits: FileEdit[];
  message: string;
  identity?: CommitIdentity;
}): Promise<{ branch: string; commit: string; base: string }> {
  await assertBranchFree(opts.repoDir, opts.branch);
  const git = gitAt(opts.repoDir, opts.identity);
  // Edits were computed from the working tree: a touched file that differs from HEAD would put
  // uncommitted user changes into our commit.
  const status = await git.status();
  const dirty = new Set([
    ...status.modified,
    ...status.not_added,
    ...status.created,
    ...status.deleted,
    ...status.renamed.map((r) => r.to),
  ]);
  const touchedDirty = opts.edits.map((e) => e.path).filter((p) => dirty.has(p));
  if (touchedDirty.length) {
    throw new PublishError(
      'git-failed',
      `the checkout has uncommitted changes in ${touchedDirty.join(', ')}; commit or stash them first`,
      {
        file: opts.repoDir,
      },
    );
  }
  const base = (await git.revparse(['HEAD'])).trim();
  const work = mkdtempSync(join(tmpdir(), 'tidemark-apply-'));
  let added = false;
  try {
    await git.raw(['worktree', 'add', '--detach', work, base]);
    added = true;
    const wt = gitAt(work, opts.identity);
    for (const edit of opts.edits) {
      const target = join(work, edit.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, edit.after);
    }
    await wt.raw(['add', '--', ...opts.edits.map((e) => e.path)]);
    await wt.raw(['commit', '--no-verify', '-q', '-m', opts.message]);
    const commit = (await wt.revparse(['HEAD'])).trim();
    // Create the ref only if it still does not exist (no race with a concurrent run).
    await git.raw(['update-ref', `refs/heads/${opts.branch}`, commit, '0'.repeat(40)]);
    return { branch: opts.branch, commit, base };
  } catch (err) {
    if (err instanceof PublishError || err instanceof ConfigError) throw err;
    throw new PublishError(
      'git-failed',
      `could not create branch "${opts.branch}": ${firstLine(err)}`,
      { file: opts.repoDir },
      { cause: err },
    );
  } finally {
    if (added) await git.raw(['worktree', 'remove', '--force', work]).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
    await git.raw(['worktree', 'prune']).catch(() => undefined);
  }
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
