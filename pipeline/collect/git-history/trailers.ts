/**
 * The one definition of our commit trailers, shared by the writer (apply, publish) and the reader
 * (the history the max-decrease rule counts from):
 *   Tidemark-Change: Deployment/shop/web container/web/requests/cpu 500m->250m
 * "-" stands for an absent value (a field added or removed).
 */
export const CHANGE_TRAILER = 'Tidemark-Change';

/**
 * The field name a revert records (`Tidemark-Change: <workload> revert -->pr-12`): the post-merge
 * watch writes it, the afterRevert policy rule reads it.
 */
export const REVERT_FIELD = 'revert';

/** The cluster a commit's changes are for (a repository may hold several clusters). */
export const CLUSTER_TRAILER = 'Tidemark-Cluster';

/** A guardian action that reached Git: its journal entry, on an emergency pull request's commit. */
export const GUARDIAN_TRAILER = 'Tidemark-Guardian-Journal';

export interface ChangeTrailer {
  workload: string;
  field: string;
  from?: string;
  to?: string;
}

export function formatChangeTrailer(t: ChangeTrailer): string {
  return `${CHANGE_TRAILER}: ${t.workload} ${t.field} ${t.from ?? '-'}->${t.to ?? '-'}`;
}

const RE = /^Tidemark-Change:\s+(\S+)\s+(\S+)\s+(\S*)->(\S*)\s*$/;

export function parseChangeTrailer(line: string): ChangeTrailer | undefined {
  const m = RE.exec(line.trim());
  if (!m) return undefined;
  const value = (v: string): string | undefined => (v === '-' || v === '' ? undefined : v);
  return { workload: m[1]!, field: m[2]!, from: value(m[3]!), to: value(m[4]!) };
}
