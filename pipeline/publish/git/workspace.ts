/**
 * A private clone of the GitOps repository for publishing. The token is passed per command as an
 * HTTP header (`-c http.extraHeader=…`), so it is never written to .git/config, a remote URL, or a
 * log line. Every branch is regenerated from the current base as one commit ("rebase =
 * regenerate") and pushed with --force-with-lease against the SHA we last saw.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { simpleGit, type SimpleGit } from 'simple-git';
import { PublishError } from '../../core/errors.js';
import { registerSecret, sanitizeText } from '../../core/sanitize.js';
import type { CommitIdentity } from './local-branch.js';

export interface Workspace {
  dir: string;
  base: string;
  identity: CommitIdentity;
  git: SimpleGit;
  close(): void;
}

function authConfig(token: string | undefined): string[] {
  if (!token) return [];
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  registerSecret(token);
  registerSecret(basic);
  return [`http.extraHeader=Authorization: Basic ${basic}`];
}

function gitFor(dir: string, token: string | undefined, identity: CommitIdentity): SimpleGit {
  return simpleGit({
    baseDir: dir,
    config: [
      ...authConfig(token),
      `user.name=${identity.name}`,
      `user.email=${identity.email}`,
      'core.autocrlf=false',
    ],
  });
}

async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const msg = sanitizeText(String((err as Error)?.message ?? err))
      .split('\n')
      .filter(Boolean)
      .slice(0, 3)
      .join(' | ');
    throw new PublishError('git-failed', `git ${what} failed: ${msg}`);
  }
}

export async function openWorkspace(opts: {
  cloneUrl: string;
  token?: string;
  base: string;
  identity: CommitIdentity;
  branchPrefix: string;
}): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'tidemark-publish-'));
  const git = gitFor(dir, opts.token, opts.identity);
  try {
    await wrap('clone', () =>
      simpleGit({ config: authConfig(opts.token) }).clone(opts.cloneUrl, dir, [
        '--no-tags',
        '--single-branch',
        '--branch',
        opts.base,
      ]),
    );
    await wrap('fetch', () =>
      git.fetch([
        'origin',
        `+refs/heads/${opts.branchPrefix}*:refs/remotes/origin/${opts.branchPrefix}*`,
        '--prune',
        '--no-tags',
      ]),
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    base: opts.base,
    identity: opts.identity,
    git,
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export async function remoteSha(ws: Workspace, branch: string): Promise<string | undefined> {
  const out = await ws.git
    .raw(['rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`])
    .catch(() => '');
  return out.trim() || undefined;
}

/** A clean working tree at the tip of the base branch, on `branch`. */
export async function startBranch(ws: Workspace, branch: string): Promise<void> {
  await wrap('checkout', () =>
    ws.git.raw(['checkout', '-q', '-B', branch, `refs/remotes/origin/${ws.base}`]),
  );
  await wrap('reset', () => ws.git.raw(['reset', '-q', '--hard']));
  await wrap('clean', () => ws.git.raw(['clean', '-qfdx']));
}

/** Commits everything; returns the commit, or undefined when nothing changed. */
export async function commitAll(ws: Workspace, message: string): Promise<string | undefined> {
  await ws.git.raw(['add', '-A']);
  const staged = (await ws.git.raw(['diff', '--cached', '--name-only'])).trim();
  if (!staged) return undefined;
  await wrap('commit', () => ws.git.raw(['commit', '-q', '--no-verify', '-m', message]));
  return (await ws.git.revparse(['HEAD'])).trim();
}

/** Author and committer emails of the commits the branch adds on top of the base. */
export async function branchEmails(ws: Workspace, branch: string): Promise<string[]> {
  const out = await ws.git.raw([
    'log',
    '--format=%ae%n%ce',
    `refs/remotes/origin/${ws.base}..refs/remotes/origin/${branch}`,
  ]);
  return [
    ...new Set(
      out
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
}

/** True when the branch no longer merges cleanly onto the current base. */
export async function isConflicted(ws: Workspace, branch: string): Promise<boolean> {
  try {
    await ws.git.raw([
      'merge-tree',
      '--write-tree',
      '--no-messages',
      `refs/remotes/origin/${ws.base}`,
      `refs/remotes/origin/${branch}`,
    ]);
    return false;
  } catch {
    return true;
  }
}

/**
 * A stable id of the change a commit range makes, independent of its base: the diff with blob
 * ids and hunk line numbers removed (what `git patch-id` ignores too).
 */
export async function changeId(ws: Workspace, from: string, to: string): Promise<string> {
  const diff = await ws.git.raw(['diff', '--no-color', '--no-ext-diff', from, to]);
  if (!diff.trim()) return '';
  const normalized = diff.replace(/^index .*$/gm, '').replace(/^@@ [^@]* @@/gm, '@@');
  return createHash('sha256').update(normalized).digest('hex');
}

/**
 * Pushes HEAD to the branch only if the remote still has `expected` (or no branch when
 * undefined). A rejected lease means someone pushed meanwhile: that branch is left alone.
 */
export async function pushWithLease(
  ws: Workspace,
  branch: string,
  expected: string | undefined,
): Promise<void> {
  const lease = `--force-with-lease=refs/heads/${branch}:${expected ?? ''}`;
  try {
    await ws.git.raw(['push', '-q', lease, 'origin', `HEAD:refs/heads/${branch}`]);
  } catch (err) {
    const text = sanitizeText(String((err as Error)?.message ?? err));
    if (/stale info|rejected|fetch first|non-fast-forward/.test(text)) {
      throw new PublishError(
        'git-failed',
        `branch ${branch} changed on the remote while we worked (lease rejected); left untouched`,
        {
          object: branch,
        },
      );
    }
    throw new PublishError(
      'git-failed',
      `git push of ${branch} failed: ${text.split('\n').slice(0, 2).join(' | ')}`,
      { object: branch },
    );
  }
}

export async function deleteRemoteBranch(ws: Workspace, branch: string, expected: string): Promise<void> {
  await wrap(`delete ${branch}`, () =>
    ws.git.raw([
      'push',
      '-q',
      `--force-with-lease=refs/heads/${branch}:${expected}`,
      'origin',
      `:refs/heads/${branch}`,
    ]),
  );
}
