/**
 * One deterministic branch per (cluster, group), holding no value, so a changed recommendation
 * updates the same PR instead of opening another (the churn users call "spammy").
 */
export const DEFAULT_BRANCH_PREFIX = 'tidemark/';

export function slugify(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[-.]+|[-.]+$/g, '')
    .replace(/-{2,}/g, '-')
    .slice(0, 80);
}

export function branchName(prefix: string, cluster: string, groupSlug: string): string {
  return `${prefix}${slugify(cluster)}/${groupSlug}`;
}
