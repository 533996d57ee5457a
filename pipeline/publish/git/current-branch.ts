/**
 * The branch a local checkout stands for, read without the network: what a PR previewed from it
 * (plan's PR files, `run --dry-run plan`) names as its base when publish.github.baseBranch is not
 * set. A detached checkout (CI) falls back to the remote's default branch as last fetched.
 */
import { execFileSync } from 'node:child_process';

export function localBaseBranch(dir: string): string {
  const git = (args: string[]): string | undefined => {
    try {
      return execFileSync('git', ['-C', dir, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  };
  return (
    git(['symbolic-ref', '--quiet', '--short', 'HEAD']) ??
    git(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD'])?.replace(/^origin\//, '') ??
    'HEAD'
  );
}
