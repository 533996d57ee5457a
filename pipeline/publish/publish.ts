/**
 * The PR lifecycle, as careful as Renovate's (gitops-bots.md §1, §7): find our PR by branch and
 * hidden marker, update it instead of opening another, regenerate the branch from the current
 * base as one commit, push only when the change differs or the branch conflicts, stop touching a
 * branch someone else committed to (one comment, until the rebase label asks us back), treat a
 * human close as "not wanted" until the recommendation changes materially, count limits from
 * GitHub each run, and close our own PR only when the data says the change is no longer needed.
 */
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import type { ClusterPlanResult } from '../plan/run.js';
import type { PlanDocument, PlanClusterJson } from '../plan/plan-document.js';
import type { WorkloadChange } from '../plan/types.js';
import type { RenderResult } from '../render/types.js';
import { PublishError } from '../core/errors.js';
import type { Platform, PullInfo } from './platform/types.js';
import { createWriteGate, type DryRun, type WriteGate } from './write-gate.js';
import { groupChanges, groupKeyOf, type ChangeGroup, type Grouping } from './pr/grouping.js';
import { branchName, DEFAULT_BRANCH_PREFIX } from './pr/branch-name.js';
import {
  decodeMarker,
  encodeMarker,
  fingerprintOf,
  changedMaterially,
  visibleBody,
  type PrMarker,
} from './pr/marker.js';
import { composePrBody, composePrTitle } from './pr/body.js';
import { commitMessage, fieldId } from './git/commit-message.js';
import {
  openWorkspace,
  startBranch,
  commitAll,
  remoteSha,
  branchEmails,
  isConflicted,
  changeId,
  pushWithLease,
  deleteRemoteBranch,
  type Workspace,
} from './git/workspace.js';
import { DEFAULT_IDENTITY, type CommitIdentity } from './git/local-branch.js';
import { DEFAULT_WATCH, watchMerged, type WatchSettings } from './watch.js';

export interface PublishSettings {
  owner: string;
  repo: string;
  baseBranch?: string;
  labels: string[];
  reviewers: string[];
  draft: boolean;
  automerge: { enabled: boolean; mergeMethod: 'MERGE' | 'SQUASH' | 'REBASE'; maxRisk: 'low' | 'medium' };
  prConcurrentLimit: number;
  prHourlyLimit: number;
  grouping: Grouping;
  branchPrefix: string;
  rebaseLabel: string;
  identity: CommitIdentity;
  /** Relative change that counts as "material" after a human closed a PR (default 0.1). */
  materialChange: number;
  cloneUrl?: string;
  /** Post-merge watch (days 0 = off). */
  watch: WatchSettings;
}

export const DEFAULT_SETTINGS: Omit<PublishSettings, 'owner' | 'repo'> = {
  labels: ['tidemark'],
  reviewers: [],
  draft: false,
  automerge: { enabled: false, mergeMethod: 'SQUASH', maxRisk: 'low' },
  prConcurrentLimit: 10,
  prHourlyLimit: 2,
  grouping: 'workload',
  branchPrefix: DEFAULT_BRANCH_PREFIX,
  rebaseLabel: 'tidemark:rebase',
  identity: DEFAULT_IDENTITY,
  materialChange: 0.1,
  watch: DEFAULT_WATCH,
};

export type GroupAction =
  | 'created'
  | 'updated'
  | 'unchanged'
  | 'blocked-human-edit'
  | 'not-wanted'
  | 'limited'
  | 'closed'
  | 'kept'
  | 'nothing-to-change'
  | 'lease-rejected'
  | 'watched'
  | 'revert-opened'
  | 'revert-exists'
  | 'revert-impossible';

export interface GroupOutcome {
  cluster: string;
  group: string;
  branch: string;
  action: GroupAction;
  pull?: number;
  detail?: string;
}

export interface PublishResult {
  outcomes: GroupOutcome[];
  writes: WriteGate['writes'];
  /** For --dry-run=plan: the PR bodies and diffs that would be proposed. */
  previews: { branch: string; title: string; body: string; diff: string }[];
}

/** Reasons that mean "we could not look", never "no change needed": they never close a PR. */
const DATA_GAP_REASONS = new Set(['no-metrics', 'insufficient-history', 'metrics-gap', 'source-incomplete']);

export interface PublishInput {
  settings: PublishSettings;
  platform: Platform;
  clusters: ClusterPlanResult[];
  doc: PlanDocument;
  /** Renders a group's changes into a checkout (regenerated from the base each time). */
  render(cluster: ClusterPlanResult, changes: WorkloadChange[], repoDir: string): Promise<RenderResult>;
  unifiedDiff(edits: RenderResult['edits']): string;
  logger: Logger;
  clock: Clock;
  dryRun: DryRun;
}

export async function publishPlan(input: PublishInput): Promise<PublishResult> {
  const { settings: s, platform, logger } = input;
  const gate = createWriteGate(input.dryRun, logger);
  const result: PublishResult = { outcomes: [], writes: gate.writes, previews: [] };
  const repo = await platform.getRepo();
  const base = s.baseBranch ?? repo.defaultBranch;
  const token = await platform.gitToken();
  const ws = await openWorkspace({
    cloneUrl: s.cloneUrl ?? repo.cloneUrl,
    token,
    base,
    identity: s.identity,
    branchPrefix: s.branchPrefix,
  });
  try {
    // Limits are counted from GitHub every run, never from local state.
    const open = (await platform.listOpenPulls()).filter((p) => isOurs(p, s));
    const hourStart = new Date(Math.floor(input.clock.now() / 3_600_000) * 3_600_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    let openCount = open.length;
    let createdThisHour = (await platform.listPullsCreatedSince(hourStart)).filter((p) =>
      isOurs(p, s),
    ).length;
    const seenBranches = new Set<string>();

    for (const cluster of input.clusters) {
      const clusterDoc = input.doc.clusters.find((c) => c.name === cluster.cluster.name)!;
      for (const group of groupChanges(cluster.cluster.name, renderedChanges(cluster), s.grouping)) {
        const branch = branchName(s.branchPrefix, group.cluster, group.slug);
        seenBranches.add(branch);
        const log = logger.child({ branch });
        try {
          const outcome = await publishGroup({
            ...input,
            gate,
            ws,
            base,
            branch,
            group,
            cluster,
            clusterDoc,
            log,
            limits: { openCount, createdThisHour },
          });
          if (outcome.action === 'created') {
            openCount++;
            createdThisHour++;
          }
          result.outcomes.push(outcome);
          if (outcome.preview) result.previews.push(outcome.preview);
        } catch (err) {
          if (err instanceof PublishError && /lease rejected/.test(err.message)) {
            log.warn('branch changed concurrently; skipped', {});
            result.outcomes.push({
              cluster: group.cluster,
              group: group.key,
              branch,
              action: 'lease-rejected',
              detail: err.message,
            });
            continue;
          }
          throw err;
        }
      }
    }

    // Our open PRs this run did not produce: close only when complete data says no change is needed.
    for (const pr of open) {
      if (seenBranches.has(pr.head)) continue;
      const marker = decodeMarker(pr.body)!;
      if (marker.revertOf) continue; // a revert waits for a human, whatever this run recommends
      if (marker.emergency) continue; // the guardian's own: it closes them when the incident ends
      const cluster = input.clusters.find((c) => c.cluster.name === marker.cluster);
      if (!cluster) continue; // a cluster not in this run: nothing known about it
      const verdict = withdrawVerdict(cluster, marker);
      if (verdict.keep) {
        result.outcomes.push({
          cluster: marker.cluster,
          group: marker.group,
          branch: pr.head,
          action: 'kept',
          pull: pr.number,
          detail: verdict.reason,
        });
        continue;
      }
      const remote = await remoteSha(ws, pr.head);
      if (remote && (await humanEdited(ws, pr.head, s))) {
        result.outcomes.push({
          cluster: marker.cluster,
          group: marker.group,
          branch: pr.head,
          action: 'kept',
          pull: pr.number,
          detail: 'edited by a human; not closing',
        });
        continue;
      }
      await gate.write('comment', `#${pr.number}`, () =>
        platform.ensureComment(
          pr.number,
          'withdrawn',
          `Tidemark is closing this pull request: ${verdict.reason}.`,
        ),
      );
      await gate.write('close pull request', `#${pr.number}`, () =>
        platform.updatePull(pr.number, {
          state: 'closed',
          body: replaceMarkerIn(pr.body, { ...marker, closedByTidemark: verdict.reason }),
        }),
      );
      if (remote) await gate.write('delete branch', pr.head, () => deleteRemoteBranch(ws, pr.head, remote));
      result.outcomes.push({
        cluster: marker.cluster,
        group: marker.group,
        branch: pr.head,
        action: 'closed',
        pull: pr.number,
        detail: verdict.reason,
      });
    }

    // Merged PRs are watched for regressions; a revert skips the limits (it fixes an incident).
    result.outcomes.push(
      ...(await watchMerged({
        settings: s,
        watch: s.watch,
        platform,
        clusters: input.clusters,
        ws,
        gate,
        clock: input.clock,
        logger,
      })),
    );
    return result;
  } finally {
    ws.close();
  }
}

interface GroupContext extends PublishInput {
  gate: WriteGate;
  ws: Workspace;
  base: string;
  branch: string;
  group: ChangeGroup;
  cluster: ClusterPlanResult;
  clusterDoc: PlanClusterJson;
  log: Logger;
  limits: { openCount: number; createdThisHour: number };
}

async function publishGroup(
  ctx: GroupContext,
): Promise<GroupOutcome & { preview?: PublishResult['previews'][number] }> {
  const { settings: s, platform, gate, ws, branch, group, log } = ctx;
  const done = (action: GroupAction, extra: Partial<GroupOutcome> = {}): GroupOutcome => ({
    cluster: group.cluster,
    group: group.key,
    branch,
    action,
    ...extra,
  });

  // Regenerate: the group's edits on a clean tree at the current base, as one commit.
  await startBranch(ws, branch);
  const rendered = await ctx.render(ctx.cluster, group.changes, ws.dir);
  for (const edit of rendered.edits) await writeEdit(ws.dir, edit.path, edit.after);
  const applied = group.changes.filter((c) => rendered.rendered.has(c.workload));
  const fields = fieldsOf(applied);
  const marker: PrMarker = {
    v: 1,
    cluster: group.cluster,
    group: group.key,
    fields,
    fingerprint: fingerprintOf(fields),
    labels: s.labels,
    base: ws.base,
  };
  const title = composePrTitle(group, applied, s.grouping);
  const body = composePrBody(ctx.doc, ctx.clusterDoc, applied, marker);
  const commit = await commitAll(ws, commitMessage(applied, { cluster: group.cluster }));
  if (ctx.dryRun === 'plan') {
    return {
      ...done(commit ? 'created' : 'nothing-to-change'),
      preview: { branch, title, body, diff: ctx.unifiedDiff(rendered.edits) },
    };
  }

  const pulls = (await platform.findPullsByHead(branch)).filter((p) => isOurs(p, s));
  const openPr = pulls.find((p) => p.state === 'open');
  const remote = await remoteSha(ws, branch);

  if (!commit) {
    // Base already has these values (merged, or Git changed meanwhile): nothing to propose.
    return done('nothing-to-change', { pull: openPr?.number });
  }

  if (openPr) {
    let forced = false;
    if (remote && (await humanEdited(ws, branch, s))) {
      if (!openPr.labels.includes(s.rebaseLabel)) {
        await gate.write('comment', `#${openPr.number}`, () =>
          platform.ensureComment(
            openPr.number,
            'edited',
            `### Edited/blocked\n\nSomeone else committed to \`${branch}\`, so Tidemark will not update this pull request any more ` +
              `(your changes are safe). Add the label \`${s.rebaseLabel}\` to let Tidemark regenerate the branch from \`${ws.base}\` ` +
              `with the current recommendation; your commits on the branch would then be replaced.`,
          ),
        );
        return done('blocked-human-edit', { pull: openPr.number });
      }
      await gate.write('remove label', `#${openPr.number} ${s.rebaseLabel}`, () =>
        platform.removeLabel(openPr.number, s.rebaseLabel),
      );
      forced = true;
    }
    const conflicted = remote ? await isConflicted(ws, branch) : true;
    const same = remote
      ? (await changeId(ws, `refs/remotes/origin/${ws.base}`, 'HEAD')) ===
        (await changeId(ws, await mergeBase(ws, remote), remote))
      : false;
    let pushed = false;
    if (forced || conflicted || !same) {
      await gate.write('push', branch, () => pushWithLease(ws, branch, remote));
      pushed = true;
    }
    const old = decodeMarker(openPr.body);
    const needsBody =
      visibleBody(openPr.body) !== visibleBody(body) || old?.fingerprint !== marker.fingerprint;
    const titleChanged = openPr.title !== title;
    if (needsBody || titleChanged) {
      await gate.write('update pull request', `#${openPr.number}`, () =>
        platform.updatePull(openPr.number, {
          ...(titleChanged ? { title } : {}),
          ...(needsBody ? { body } : {}),
        }),
      );
    }
    // Add labels we are configured with but never remove labels a user added.
    const missing = s.labels.filter((l) => !openPr.labels.includes(l) && !(old?.labels ?? []).includes(l));
    if (missing.length)
      await gate.write('add labels', `#${openPr.number}`, () => platform.addLabels(openPr.number, missing));
    return done(pushed || needsBody || titleChanged ? 'updated' : 'unchanged', { pull: openPr.number });
  }

  // No open PR. A human closing our PR with the same change means "not wanted".
  const lastClosed = pulls
    .filter((p) => p.state === 'closed' && !p.merged)
    .sort((a, b) => (a.closedAt ?? '').localeCompare(b.closedAt ?? ''))
    .at(-1);
  const closedMarker = lastClosed ? decodeMarker(lastClosed.body) : undefined;
  if (
    lastClosed &&
    closedMarker &&
    !closedMarker.closedByTidemark &&
    !changedMaterially(closedMarker.fields, fields, s.materialChange)
  ) {
    log.info('closed by a human; not proposing again until the recommendation changes materially', {
      pull: lastClosed.number,
    });
    return done('not-wanted', {
      pull: lastClosed.number,
      detail: `#${lastClosed.number} was closed by a human`,
    });
  }
  if (s.prConcurrentLimit > 0 && ctx.limits.openCount >= s.prConcurrentLimit)
    return done('limited', {
      detail: `${ctx.limits.openCount} open Tidemark PRs (limit ${s.prConcurrentLimit})`,
    });
  if (s.prHourlyLimit > 0 && ctx.limits.createdThisHour >= s.prHourlyLimit)
    return done('limited', {
      detail: `${ctx.limits.createdThisHour} PRs created this hour (limit ${s.prHourlyLimit})`,
    });

  // A stale branch of ours with someone else's commits and no open PR is left alone.
  if (remote && (await humanEdited(ws, branch, s)))
    return done('blocked-human-edit', { detail: 'branch has commits by others and no open PR' });
  await gate.write('push', branch, () => pushWithLease(ws, branch, remote));
  const created = await gate.write('create pull request', branch, () =>
    platform.createPull({ head: branch, base: ws.base, title, body, draft: s.draft }),
  );
  if (!created) return done('created', { detail: 'dry run' });
  await gate.write('add labels', `#${created.number}`, () => platform.addLabels(created.number, s.labels));
  await gate.write('request reviewers', `#${created.number}`, () =>
    platform.requestReviewers(created.number, s.reviewers),
  );
  await maybeAutoMerge(ctx, created, applied);
  return done('created', { pull: created.number });
}

async function maybeAutoMerge(ctx: GroupContext, pr: PullInfo, applied: WorkloadChange[]): Promise<void> {
  const { settings: s, platform, gate, log } = ctx;
  if (!s.automerge.enabled) return;
  const order = { low: 0, medium: 1, high: 2 } as const;
  const worst = Math.max(...applied.flatMap((c) => c.recommendations.map((r) => order[r.risk])));
  if (worst > order[s.automerge.maxRisk]) {
    log.info('auto-merge not enabled: change risk above the configured maximum', { pull: pr.number });
    return;
  }
  const checks = await platform.requiredChecks(ctx.base);
  if (!checks.length) {
    // Without required checks GitHub would merge at once, even with failing tests.
    log.warn('auto-merge not enabled: the base branch has no required status checks', {
      pull: pr.number,
      base: ctx.base,
    });
    return;
  }
  await gate.write('enable auto-merge', `#${pr.number}`, () =>
    platform.enableAutoMerge(pr, s.automerge.mergeMethod),
  );
}

export function isOurs(p: PullInfo, s: PublishSettings): boolean {
  return p.head.startsWith(s.branchPrefix) && decodeMarker(p.body) !== undefined;
}

export async function humanEdited(ws: Workspace, branch: string, s: PublishSettings): Promise<boolean> {
  const emails = await branchEmails(ws, branch);
  // GitHub's "Update branch" button commits as noreply@github.com: not a human edit.
  return emails.some((e) => e !== s.identity.email && e !== 'noreply@github.com');
}

async function mergeBase(ws: Workspace, sha: string): Promise<string> {
  return (await ws.git.raw(['merge-base', `refs/remotes/origin/${ws.base}`, sha])).trim();
}

function renderedChanges(c: ClusterPlanResult): WorkloadChange[] {
  return c.changes.filter((ch) => c.render.rendered.has(ch.workload));
}

function fieldsOf(changes: WorkloadChange[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of changes)
    for (const f of c.fields)
      out[`${c.workload}#${fieldId(f.path)}`] =
        f.proposed !== null && typeof f.proposed === 'object'
          ? JSON.stringify(f.proposed)
          : String(f.proposed ?? '');
  for (const c of changes)
    for (const o of c.objects)
      out[`${c.workload}#object:${o.object.kind}/${o.object.name}`] = JSON.stringify(o.manifest);
  return out;
}

function withdrawVerdict(cluster: ClusterPlanResult, marker: PrMarker): { keep: boolean; reason: string } {
  const workloads = [...new Set(Object.keys(marker.fields).map((k) => k.split('#')[0]!))];
  const gone = workloads.filter((w) => !cluster.model.workloads.has(w));
  if (gone.length === workloads.length)
    return {
      keep: false,
      reason: `${gone.join(', ')} no longer exist${gone.length === 1 ? 's' : ''} in the cluster`,
    };
  for (const w of workloads) {
    const gap = cluster.skipped.find((sk) => sk.workload === w && DATA_GAP_REASONS.has(sk.reason));
    if (gap)
      return {
        keep: true,
        reason: `incomplete data for ${w} (${gap.reason}); a metrics gap never closes a PR`,
      };
    const stillProposed = cluster.decided.some((d) => d.workload === w && d.decision !== 'rejected');
    if (stillProposed) return { keep: true, reason: `${w} still has a change, in another group` };
  }
  return { keep: false, reason: 'a run with complete data found no change needed any more' };
}

function replaceMarkerIn(body: string, m: PrMarker): string {
  return body.replace(/<!--\s*tidemark:v1\s+[A-Za-z0-9+/=_-]+\s*-->/, encodeMarker(m));
}

async function writeEdit(dir: string, path: string, content: string): Promise<void> {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { join, dirname } = await import('node:path');
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), content);
}

export { groupKeyOf };
