/**
 * The PR lifecycle, as careful as Renovate's (gitops-bots.md §1, §7): find our PR by branch and
 * hidden marker, update it instead of opening another, regenerate the branch from the current
 * base as one commit, push only when the change differs or the branch conflicts, stop touching a
 * branch someone else committed to (one comment, until the rebase label asks us back), treat a
 * human close as "not wanted" until the recommendation changes materially, count limits from
 * GitHub each run, and close our own PR only when the data says the change is no longer needed.
 * A plan dry run takes the same decisions through the same code without GitHub or the network:
 * it renders each group on the local checkout and says, on each decision, what it could not read.
 */
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import type { ClusterPlanResult } from '../plan/run.js';
import type { PlanDocument } from '../plan/plan-document.js';
import type { WorkloadChange } from '../plan/types.js';
import type { RenderResult } from '../render/types.js';
import { PublishError } from '../core/errors.js';
import { PullAlreadyExistsError, type Platform, type PullInfo, type RepoInfo } from './platform/types.js';
import { createWriteGate, type DryRun, type WriteGate } from './write-gate.js';
import { groupKeyOf, groupsOf, type ChangeGroup, type Grouping } from './pr/grouping.js';
import { branchName, DEFAULT_BRANCH_PREFIX } from './pr/branch-name.js';
import { decodeMarker, encodeMarker, changedMaterially, type PrMarker } from './pr/marker.js';
import { composePull } from './pr/compose.js';
import { commitMessage } from './git/commit-message.js';
import { localBaseBranch } from './git/current-branch.js';
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

/** What happened to GitHub auto-merge for a group's PR this run. */
export type AutoMergeStatus =
  'enabled' | 'would-enable' | 'risk-too-high' | 'repo-disallows' | 'no-required-checks' | 'failed';

export interface GroupOutcome {
  cluster: string;
  group: string;
  branch: string;
  action: GroupAction;
  pull?: number;
  detail?: string;
  /** Set when auto-merge is configured and was considered for this PR. */
  autoMerge?: AutoMergeStatus;
  /** Problems that did not stop the group (e.g. auto-merge could not be enabled). */
  warnings?: string[];
}

export interface PublishResult {
  outcomes: GroupOutcome[];
  writes: WriteGate['writes'];
  /** Each group's PR as it would be sent (title, body) and its diff on the base; both dry runs print them. */
  previews: { branch: string; title: string; body: string; diff: string }[];
}

/** Said on every decision a plan dry run takes without knowing what GitHub holds. */
export const NOT_READ_IN_PLAN = 'not read in a plan dry run';

/**
 * Skip reasons analyzers emit when they could not look, never "no change needed": a PR whose
 * workload has one is never closed. These are the ones the analyzers actually emit for missing or
 * insufficient data: no usage samples (rightsize, hpa, placement), too little history (hpa,
 * cronhpa), and an unknown or unavailable metrics API (hpa). A source with incomplete data fails
 * the run (SourceError 'source-incomplete') before publishing, so it needs no entry here.
 */
export const DATA_GAP_REASONS: ReadonlySet<string> = new Set([
  'no-metrics',
  'insufficient-history',
  'metrics-api-unavailable',
]);

export interface PublishInput {
  settings: PublishSettings;
  /** GitHub. A plan dry run has none: it reads nothing remote and needs no token. */
  platform?: Platform;
  clusters: ClusterPlanResult[];
  doc: PlanDocument;
  /** Renders a group's changes into a checkout (regenerated from the base each time). */
  render(cluster: ClusterPlanResult, changes: WorkloadChange[], repoDir: string): Promise<RenderResult>;
  unifiedDiff(edits: RenderResult['edits']): string;
  logger: Logger;
  clock: Clock;
  dryRun: DryRun;
  /** config.output.prBodyMaxChars */
  bodyMaxChars?: number;
  /** Where the cost report is (report.url, or the run's artifacts): each PR body links it. */
  reportUrl?: string;
}

/** What a run that talks to GitHub holds: the platform, the repository, and a clone of its base. */
interface Online {
  platform: Platform;
  repo: RepoInfo;
  base: string;
  ws: Workspace;
  /** Required checks per base branch, read once per run. */
  requiredChecks: Map<string, Promise<string[]>>;
}

export async function publishPlan(input: PublishInput): Promise<PublishResult> {
  const { settings: s, logger } = input;
  const gate = createWriteGate(input.dryRun, logger);
  const result: PublishResult = { outcomes: [], writes: gate.writes, previews: [] };
  const online = input.dryRun === 'plan' ? undefined : await goOnline(input);
  try {
    // Limits are counted from GitHub every run, never from local state. A plan dry run cannot
    // read them: it counts only the PRs it would create itself, and says so.
    const platform = online?.platform;
    const open = platform ? (await platform.listOpenPulls()).filter((p) => isOurs(p, s)) : [];
    const hourStart = new Date(Math.floor(input.clock.now() / 3_600_000) * 3_600_000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
    let openCount = open.length;
    let createdThisHour = platform
      ? (await platform.listPullsCreatedSince(hourStart)).filter((p) => isOurs(p, s)).length
      : 0;
    const seenBranches = new Set<string>();

    for (const cluster of input.clusters) {
      const base = online?.base ?? s.baseBranch ?? localBaseBranch(cluster.cluster.repo.path);
      for (const group of groupsOf(cluster, s.grouping)) {
        const branch = branchName(s.branchPrefix, group.cluster, group.slug);
        seenBranches.add(branch);
        const log = logger.child({ branch });
        try {
          const outcome = await publishGroup({
            ...input,
            gate,
            online,
            base,
            branch,
            group,
            cluster,
            log,
            limits: { openCount, createdThisHour },
            previews: result.previews,
          });
          if (outcome.action === 'created') {
            openCount++;
            createdThisHour++;
          }
          result.outcomes.push(outcome);
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

    if (!online) return result;
    const { platform: gh, ws } = online;
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
        gh.ensureComment(pr.number, 'withdrawn', `Tidemark is closing this pull request: ${verdict.reason}.`),
      );
      await gate.write('close pull request', `#${pr.number}`, () =>
        gh.updatePull(pr.number, {
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
        platform: gh,
        clusters: input.clusters,
        ws,
        gate,
        clock: input.clock,
        logger,
      })),
    );
    return result;
  } finally {
    online?.ws.close();
  }
}

async function goOnline(input: PublishInput): Promise<Online> {
  const { settings: s, platform } = input;
  if (!platform) throw new Error('internal: only a plan dry run publishes without a platform');
  const repo = await platform.getRepo();
  const base = s.baseBranch ?? repo.defaultBranch;
  const ws = await openWorkspace({
    cloneUrl: s.cloneUrl ?? repo.cloneUrl,
    token: await platform.gitToken(),
    base,
    identity: s.identity,
    branchPrefix: s.branchPrefix,
  });
  return { platform, repo, base, ws, requiredChecks: new Map() };
}

interface GroupContext extends PublishInput {
  gate: WriteGate;
  /** Absent in a plan dry run. */
  online?: Online;
  /** The base the PR targets (and its marker names). */
  base: string;
  branch: string;
  group: ChangeGroup;
  cluster: ClusterPlanResult;
  log: Logger;
  limits: { openCount: number; createdThisHour: number };
  /** Where dry runs collect each PR as it would be sent. */
  previews: PublishResult['previews'];
}

/** Whether a new PR may be opened for a group: the same decision in every mode. */
function decideNewPull(
  s: PublishSettings,
  closed: { pull: PullInfo; marker: PrMarker } | undefined,
  fields: Record<string, string>,
  limits: GroupContext['limits'],
): { action: 'create' } | { action: 'not-wanted' | 'limited'; detail: string; pull?: number } {
  // A human closing our PR with the same change means "not wanted".
  if (
    closed &&
    !closed.marker.closedByTidemark &&
    !changedMaterially(closed.marker.fields, fields, s.materialChange)
  )
    return {
      action: 'not-wanted',
      pull: closed.pull.number,
      detail: `#${closed.pull.number} was closed by a human`,
    };
  if (s.prConcurrentLimit > 0 && limits.openCount >= s.prConcurrentLimit)
    return {
      action: 'limited',
      detail: `${limits.openCount} open Tidemark PRs (limit ${s.prConcurrentLimit})`,
    };
  if (s.prHourlyLimit > 0 && limits.createdThisHour >= s.prHourlyLimit)
    return {
      action: 'limited',
      detail: `${limits.createdThisHour} PRs created this hour (limit ${s.prHourlyLimit})`,
    };
  return { action: 'create' };
}

async function publishGroup(ctx: GroupContext): Promise<GroupOutcome> {
  const { settings: s, gate, online, branch, group, log } = ctx;
  const done = (action: GroupAction, extra: Partial<GroupOutcome> = {}): GroupOutcome => ({
    cluster: group.cluster,
    group: group.key,
    branch,
    action,
    ...extra,
  });

  // Regenerate: the group's edits on a clean tree at the current base, as one commit. A plan
  // dry run renders them on the local checkout and writes nothing.
  let rendered: RenderResult;
  if (online) {
    await startBranch(online.ws, branch);
    rendered = await ctx.render(ctx.cluster, group.changes, online.ws.dir);
    for (const edit of rendered.edits) await writeEdit(online.ws.dir, edit.path, edit.after);
  } else rendered = await ctx.render(ctx.cluster, group.changes, ctx.cluster.cluster.repo.path);
  const applied = group.changes.filter((c) => rendered.rendered.has(c.workload));
  const { title, body, fields, marker } = composePull({
    settings: s,
    doc: ctx.doc,
    cluster: ctx.cluster,
    group,
    applied,
    base: ctx.base,
    bodyMaxChars: ctx.bodyMaxChars,
    reportUrl: ctx.reportUrl,
  });
  const commit = online
    ? await commitAll(online.ws, commitMessage(applied, { cluster: group.cluster }))
    : rendered.edits.length > 0;
  if (commit && ctx.dryRun !== 'none')
    ctx.previews.push({ branch, title, body, diff: ctx.unifiedDiff(rendered.edits) });

  if (!online) {
    if (!commit) return done('nothing-to-change');
    // GitHub's side is unknown: no open or closed PR on the branch, no counts but this run's.
    const decision = decideNewPull(s, undefined, fields, ctx.limits);
    if (decision.action === 'create')
      return done('created', {
        detail: `would be created unless GitHub says otherwise: open and closed PRs on the branch and the PR limits are ${NOT_READ_IN_PLAN}`,
      });
    return done(decision.action, {
      detail: `${decision.detail}, counting only this run's PRs: GitHub's are ${NOT_READ_IN_PLAN}`,
    });
  }
  const { platform, ws } = online;

  const onBranch = await platform.findPullsByHead(branch);
  const pulls = onBranch.filter((p) => isOurs(p, s));
  // An open PR on our branch without our marker (a human removed it, or opened it): never push
  // over it, unless the rebase label hands it back to us.
  const foreign = onBranch.find((p) => p.state === 'open' && !isOurs(p, s));
  const adopt = !pulls.some((p) => p.state === 'open') && !!foreign?.labels.includes(s.rebaseLabel);
  const openPr = pulls.find((p) => p.state === 'open') ?? (adopt ? foreign : undefined);
  const remote = await remoteSha(ws, branch);

  if (!commit) {
    // Base already has these values (merged, or Git changed meanwhile): nothing to propose.
    return done('nothing-to-change', { pull: openPr?.number });
  }
  if (foreign && !openPr) return blockForeign(ctx, foreign, done);

  if (openPr) {
    let forced = false;
    if (adopt) {
      await gate.write('remove label', `#${openPr.number} ${s.rebaseLabel}`, () =>
        platform.removeLabel(openPr.number, s.rebaseLabel),
      );
      forced = true;
    } else if (remote && (await humanEdited(ws, branch, s))) {
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
    // The visible body carries window timestamps and sample counts that move every run; only a
    // material change (or a marker from before digests) is worth a PATCH and the notification.
    const needsBody = old?.digest !== marker.digest || old?.fingerprint !== marker.fingerprint;
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
    // Retried every run until it holds: a failure, or a repository setting fixed later.
    const auto = openPr.autoMerge ? {} : await maybeAutoMerge(ctx, openPr, applied, `#${openPr.number}`);
    return done(pushed || needsBody || titleChanged ? 'updated' : 'unchanged', {
      pull: openPr.number,
      ...auto,
    });
  }

  // No open PR.
  const lastClosed = pulls
    .filter((p) => p.state === 'closed' && !p.merged)
    .sort((a, b) => (a.closedAt ?? '').localeCompare(b.closedAt ?? ''))
    .at(-1);
  const closedMarker = lastClosed ? decodeMarker(lastClosed.body) : undefined;
  const decision = decideNewPull(
    s,
    lastClosed && closedMarker ? { pull: lastClosed, marker: closedMarker } : undefined,
    fields,
    ctx.limits,
  );
  if (decision.action === 'not-wanted')
    log.info('closed by a human; not proposing again until the recommendation changes materially', {
      pull: decision.pull,
    });
  if (decision.action !== 'create')
    return done(decision.action, { pull: decision.pull, detail: decision.detail });

  // A stale branch of ours with someone else's commits and no open PR is left alone.
  if (remote && (await humanEdited(ws, branch, s)))
    return done('blocked-human-edit', { detail: 'branch has commits by others and no open PR' });
  await gate.write('push', branch, () => pushWithLease(ws, branch, remote));
  let created: PullInfo | undefined;
  try {
    created = await gate.write('create pull request', branch, () =>
      platform.createPull({ head: branch, base: ws.base, title, body, draft: s.draft }),
    );
  } catch (err) {
    if (!(err instanceof PullAlreadyExistsError)) throw err;
    // Opened between our look-up and our create: someone else's PR, handled like one.
    const existing = (await platform.findPullsByHead(branch)).find((p) => p.state === 'open');
    if (!existing) throw err;
    return blockForeign(ctx, existing, done);
  }
  // A dry run logs every write the create would be followed by, against the PR it would open.
  const target = created ? `#${created.number}` : `new pull request for ${branch}`;
  if (s.labels.length)
    await gate.write('add labels', target, () => platform.addLabels(created!.number, s.labels));
  // Reviewers only on create: a later update never re-requests a review someone dismissed.
  if (s.reviewers.length)
    await gate.write('request reviewers', target, () =>
      platform.requestReviewers(created!.number, s.reviewers),
    );
  const auto = await maybeAutoMerge(ctx, created, applied, target);
  return created
    ? done('created', { pull: created.number, ...auto })
    : done('created', { detail: 'dry run', ...auto });
}

/** An open PR on our branch that is not ours: one comment (edited, not repeated), no push. */
async function blockForeign(
  ctx: GroupContext,
  pr: PullInfo,
  done: (action: GroupAction, extra?: Partial<GroupOutcome>) => GroupOutcome,
): Promise<GroupOutcome> {
  const { settings: s, gate, branch } = ctx;
  const platform = ctx.online!.platform;
  await gate.write('comment', `#${pr.number}`, () =>
    platform.ensureComment(
      pr.number,
      'foreign',
      `### Edited/blocked\n\nTidemark proposes its changes on \`${branch}\`, but this pull request does not carry Tidemark's ` +
        `hidden marker (it was edited or opened by someone else), so Tidemark will not push to the branch. ` +
        `Add the label \`${s.rebaseLabel}\` to let Tidemark take the pull request over and regenerate the branch; ` +
        `commits on the branch would then be replaced.`,
    ),
  );
  return done('blocked-human-edit', {
    pull: pr.number,
    detail: `open PR #${pr.number} on ${branch} is not Tidemark's (no marker); not pushing over it`,
  });
}

/**
 * GitHub auto-merge, only when configured, only for changes at or below the configured risk, only
 * when the repository allows it and the base has required checks (without them GitHub would merge
 * at once, even with failing tests). A failure is a warning on the group, never fatal: the PR
 * exists, and the next run tries again.
 */
async function maybeAutoMerge(
  ctx: GroupContext,
  pr: PullInfo | undefined,
  applied: WorkloadChange[],
  target: string,
): Promise<Pick<GroupOutcome, 'autoMerge' | 'warnings'>> {
  const { settings: s, gate, log } = ctx;
  const { platform, repo, requiredChecks } = ctx.online!;
  if (!s.automerge.enabled) return {};
  const order = { low: 0, medium: 1, high: 2 } as const;
  const worst = Math.max(...applied.flatMap((c) => c.recommendations.map((r) => order[r.risk])));
  if (worst > order[s.automerge.maxRisk]) {
    log.info('auto-merge not enabled: change risk above the configured maximum', {
      target,
      maxRisk: s.automerge.maxRisk,
    });
    return { autoMerge: 'risk-too-high' };
  }
  if (!repo.allowAutoMerge) {
    const warning = `auto-merge not enabled: ${s.owner}/${s.repo} does not allow auto-merge (Settings → General → Allow auto-merge)`;
    log.warn(warning, { target });
    return { autoMerge: 'repo-disallows', warnings: [warning] };
  }
  try {
    let checks = requiredChecks.get(ctx.base);
    if (!checks) {
      checks = platform.requiredChecks(ctx.base);
      requiredChecks.set(ctx.base, checks);
    }
    if (!(await checks).length) {
      const warning = `auto-merge not enabled: ${ctx.base} has no required status checks, so GitHub would merge at once`;
      log.warn(warning, { target, base: ctx.base });
      return { autoMerge: 'no-required-checks', warnings: [warning] };
    }
    await gate.write('enable auto-merge', target, () =>
      platform.enableAutoMerge(pr!, s.automerge.mergeMethod),
    );
    return { autoMerge: pr && gate.dryRun === 'none' ? 'enabled' : 'would-enable' };
  } catch (err) {
    const warning = `auto-merge not enabled on ${target}: ${(err as Error).message}`;
    log.warn('auto-merge could not be enabled; retried on the next run', {
      target,
      detail: (err as Error).message,
    });
    return { autoMerge: 'failed', warnings: [warning] };
  }
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
