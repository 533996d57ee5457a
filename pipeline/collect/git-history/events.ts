/**
 * Everything Tidemark left in the GitOps repository's history since a time, for the cost report:
 * each field change (`Tidemark-Change:`), each revert the post-merge watch made (the same trailer
 * with the field `revert`), and each guardian action that reached Git (`Tidemark-Guardian-Journal:`
 * on an emergency pull request's commit). `Tidemark-Cluster:` names the cluster when the commit
 * says; older commits do not. Reads only; a directory that is not a checkout has no history.
 */
import { simpleGit } from 'simple-git';
import { existsSync } from 'node:fs';
import {
  CHANGE_TRAILER,
  CLUSTER_TRAILER,
  GUARDIAN_TRAILER,
  REVERT_FIELD,
  parseChangeTrailer,
} from './trailers.js';

export interface TidemarkEvent {
  /** Committer time, unix seconds. */
  time: number;
  commit: string;
  kind: 'change' | 'revert' | 'guardian';
  cluster?: string;
  workload?: string;
  field?: string;
  from?: string;
  to?: string;
  /** The guardian's journal entry. */
  entry?: string;
  /** Files the commit touched, to tell clusters sharing a repository apart. */
  files: string[];
}

const FS = '\x1f';
const GS = '\x1d';
const RS = '\x1e';

export async function readTidemarkEvents(repoDir: string, opts: { since: number }): Promise<TidemarkEvent[]> {
  if (!existsSync(repoDir)) return [];
  const git = simpleGit({ baseDir: repoDir });
  if (!(await git.checkIsRepo().catch(() => false))) return [];
  if (!(await git.raw(['rev-parse', '--verify', '--quiet', 'HEAD']).catch(() => '')).trim()) return [];
  const out = await git.raw([
    'log',
    `--since=${new Date(opts.since * 1000).toISOString()}`,
    `--grep=^${CHANGE_TRAILER}:`,
    `--grep=^${GUARDIAN_TRAILER}:`,
    '--name-only',
    `--format=${RS}%H${FS}%ct${FS}%(trailers:key=${CHANGE_TRAILER},separator=%x1f)${GS}%(trailers:key=${GUARDIAN_TRAILER},valueonly,separator=%x1f)${GS}%(trailers:key=${CLUSTER_TRAILER},valueonly,separator=%x1f)${GS}`,
  ]);
  const events: TidemarkEvent[] = [];
  for (const record of out.split(RS)) {
    const [head = '', guardian = '', clusters = '', names = ''] = record.split(GS);
    const [commit, ct, ...changes] = head.split(FS);
    if (!commit || !ct) continue;
    const time = Number(ct);
    const cluster = clusters.split(FS)[0]?.trim() || undefined;
    const files = names
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const base = { time, commit, files, ...(cluster ? { cluster } : {}) };
    for (const line of changes) {
      const t = parseChangeTrailer(line);
      if (!t) continue;
      events.push({
        ...base,
        kind: t.field === REVERT_FIELD ? 'revert' : 'change',
        workload: t.workload,
        field: t.field,
        from: t.from,
        to: t.to,
      });
    }
    for (const entry of guardian
      .split(FS)
      .map((e) => e.trim())
      .filter(Boolean))
      events.push({ ...base, kind: 'guardian', entry });
  }
  return events.sort((a, b) => a.time - b.time);
}
