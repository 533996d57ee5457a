/**
 * Tidemark's past changes to each field, read from the GitOps repository's history
 * (`Tidemark-Change:` trailers), so the max-decrease rule counts from our last change instead of
 * compounding on every scheduled run. Reads only; a directory that is not a git checkout has no
 * history. Works on shallow clones (it sees what the clone holds).
 */
import { simpleGit } from 'simple-git';
import { existsSync } from 'node:fs';
import type { ChangeHistoryEntry } from '../../model/types.js';
import { parseChangeTrailer, CHANGE_TRAILER } from './trailers.js';

export { formatChangeTrailer, parseChangeTrailer } from './trailers.js';

const FS = '\x1f';
const RS = '\x1e';

export async function readChangeHistory(
  repoDir: string,
  opts: { since: number },
): Promise<ChangeHistoryEntry[]> {
  if (!existsSync(repoDir)) return [];
  const git = simpleGit({ baseDir: repoDir });
  const isRepo = await git.checkIsRepo().catch(() => false);
  if (!isRepo) return [];
  const hasHead = await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '');
  if (!hasHead.trim()) return [];
  const out = await git.raw([
    'log',
    `--since=${new Date(opts.since * 1000).toISOString()}`,
    `--grep=^${CHANGE_TRAILER}:`,
    `--format=%H${FS}%ct${FS}%(trailers:key=${CHANGE_TRAILER},separator=%x1f)${RS}`,
  ]);
  const entries: ChangeHistoryEntry[] = [];
  for (const record of out.split(RS)) {
    const [commit, ct, ...trailers] = record.trim().split(FS);
    if (!commit || !ct) continue;
    for (const line of trailers) {
      const t = parseChangeTrailer(line);
      if (t)
        entries.push({
          time: Number(ct),
          commit,
          workload: t.workload,
          field: t.field,
          from: t.from,
          to: t.to,
        });
    }
  }
  return entries.sort((a, b) => a.time - b.time);
}
