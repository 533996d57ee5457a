/**
 * One deterministic branch per (cluster, group), holding no value, so a changed recommendation
 * updates the same PR instead of opening another (the churn users call "spammy").
 */
import { createHash } from 'node:crypto';

export const DEFAULT_BRANCH_PREFIX = 'tidemark/';

const MAX_SLUG = 80;

export function slugify(s: string): string {
  const slug = s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/-{2,}/g, '-');
  if (slug.length <= MAX_SLUG) return slug;
  // Two long names sharing their first 80 characters must not share a branch (one PR would
  // overwrite the other's): a truncated slug ends in a digest of the whole name.
  const hash = createHash('sha256').update(s).digest('hex').slice(0, 8);
  const head = slug.slice(0, MAX_SLUG - hash.length - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}

export function branchName(prefix: string, cluster: string, groupSlug: string): string {
  return `${prefix}${slugify(cluster)}/${groupSlug}`;
}
