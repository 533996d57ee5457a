/**
 * After merge: each workload a merged Tidemark PR changed is watched for a number of days. A
 * regression — OOM kills or restarts since the merge, its HPA newly held at maxReplicas, pods
 * unready, CPU newly throttled; HPA and readiness only when sustained (`sustainMinutes`) — opens
 * one priority revert PR (bypassing the PR limits) with the evidence, and the revert
 * commit carries a `Tidemark-Change: <workload> revert` trailer, so later runs hold cuts for that
 * workload (policy rule after-revert). A closed revert PR is a human's no: never reopened.
 * Level-triggered like the rest: every run recomputes from GitHub, git and the cluster.
 */
import type { Logger } from '../core/logger.js';
import type { Clock } from '../core/clock.js';
import type { ClusterModel, HpaModel, PodModel, WorkloadModel } from '../model/types.js';
import type { WorkloadUsage } from '../model/usage/types.js';
import type { OomEvent, RestartEvent } from '../collect/types.js';
import type { ClusterPlanResult } from '../plan/run.js';
import { CHANGE_TRAILER, formatChangeTrailer, REVERT_FIELD } from '../collect/git-history/trailers.js';
import type { Platform, PullInfo } from './platform/types.js';
import type { WriteGate } from './write-gate.js';
import type { GroupOutcome, PublishSettings } from './publish.js';
import { decodeMarker, encodeMarker, type PrMarker } from './pr/marker.js';
import { branchName } from './pr/branch-name.js';
import { commitAll, pushWithLease, remoteSha, type Workspace } from './git/workspace.js';

export interface WatchSettings {
  days: number;
  maxOomKills: number;
  maxRestarts: number;
  hpaAtMax: boolean;
  unready: boolean;
  /** A container newly running at its CPU limit (so CFS-throttled) after the merge. */
  throttling: boolean;
  /**
   * How long an HPA must stay at maxReplicas, or a pod stay unready, before it counts: a rollout
   * or a short peak is not a regression.
   */
  sustainMinutes: number;
}

export const DEFAULT_WATCH: WatchSettings = {
  days: 7,
  maxOomKills: 0,
  maxRestarts: 2,
  hpaAtMax: true,
  unready: true,
  throttling: true,
  sustainMinutes: 30,
};

export const REVERT_LABEL = 'tidemark:revert';

/** What went wrong with one workload since the merge, one sentence per signal. */
export function regressionSignals(
  model: ClusterModel,
  workload: string,
  since: number,
  w: WatchSettings,
): string[] {
  const out: string[] = [];
  const sustain = (w.sustainMinutes ?? DEFAULT_WATCH.sustainMinutes) * 60;
  const pods = [...model.pods.values()].filter((p) => p.workload === workload);
  const podNames = new Set(pods.map((p) => `${p.namespace}/${p.name}`));
  const usage = model.usage?.get(workload);
  // Kills the cluster still reports (lastState) and those the metrics saw; the same kill may be in both.
  const ooms: OomEvent[] = [];
  for (const o of [...model.ooms, ...(usage?.ooms ?? [])])
    if (
      podNames.has(`${o.namespace}/${o.pod}`) &&
      o.time > since &&
      !ooms.some((x) => x.pod === o.pod && x.container === o.container && Math.abs(x.time - o.time) < 600)
    )
      ooms.push(o);
  if (ooms.length > w.maxOomKills)
    out.push(
      `${ooms.length} OOM kill(s) since the merge (${[...new Set(ooms.map((o) => o.container))].join(', ')}; last ${iso(Math.max(...ooms.map((o) => o.time)))})`,
    );
  const restarts = restartsSince(pods, usage?.restarts ?? [], since);
  // OOM kills restart the container too; they are reported above, not twice.
  const other = restarts.count - ooms.length;
  if (other > w.maxRestarts)
    out.push(`${other} container restart(s) since the merge (${restarts.reasons.join(', ') || 'Error'})`);
  const wl = model.workloads.get(workload);
  if (w.hpaAtMax)
    for (const h of model.hpas.filter((x) => x.workload === workload)) {
      const pinned = usage && hpaPinnedSince(h, usage, since, sustain);
      if (pinned) out.push(pinned);
    }
  if (w.throttling && wl) out.push(...newThrottling(model, wl, since));
  if (w.unready) {
    const stuck = unreadySince(pods, since, model.at, sustain);
    if (stuck.length)
      out.push(
        `${stuck.length} pod(s) not ready for ${formatMinutes(sustain)} or more since the merge (${stuck.slice(0, 5).join(', ')}${stuck.length > 5 ? ', …' : ''})`,
      );
  }
  return out;
}

/**
 * Container restarts after the merge. The metrics' restart counter increase is exact when the
 * source reports it; from the pod status alone, a pod started after the merge restarted
 * restartCount times since, while for an older pod the count at the merge is unknown and a
 * termination after the merge proves one restart. The larger of the two lower bounds counts.
 */
function restartsSince(
  pods: PodModel[],
  events: RestartEvent[],
  since: number,
): { count: number; reasons: string[] } {
  const reasons = new Set<string>();
  let fromStatus = 0;
  for (const p of pods)
    for (const s of p.statuses ?? []) {
      const after = s.lastTerminatedAt !== undefined && s.lastTerminatedAt > since;
      if (p.startedAt !== undefined && p.startedAt > since) fromStatus += s.restartCount;
      else if (after) fromStatus += 1;
      if (after) reasons.add(s.lastTerminationReason ?? 'Error');
    }
  const fromMetrics = events.filter((e) => e.time > since).reduce((n, e) => n + e.count, 0);
  return { count: Math.max(fromStatus, fromMetrics), reasons: [...reasons] };
}

/**
 * An HPA held at maxReplicas for `sustain` seconds after the merge, read from the workload's pod
 * count per demand slot (15 minutes). It must be new: a workload that already sat at its ceiling
 * that long before the merge did not get there because of us; a peak shorter than `sustain` is
 * the HPA doing its job. The model holds no HPA conditions or scale times, so the pod count per
 * slot is the history.
 */
function hpaPinnedSince(
  h: HpaModel,
  usage: WorkloadUsage,
  since: number,
  sustain: number,
): string | undefined {
  const demand = usage.demand;
  if (h.maxReplicas <= 0) return undefined;
  const atMax = (i: number): boolean => Math.round(demand.pods[i]!) >= h.maxReplicas;
  const longest = (from: number, to: number): number => {
    let best = 0;
    let run = 0;
    for (let i = from; i < to; i++) {
      run = atMax(i) ? run + 1 : 0;
      best = Math.max(best, run);
    }
    return best * demand.step;
  };
  const n = demand.pods.length;
  const firstAfter = Math.max(0, Math.ceil((since - demand.start) / demand.step));
  const endBefore = Math.max(0, Math.min(n, Math.floor((since - demand.start) / demand.step)));
  const after = longest(firstAfter, n);
  if (after < sustain) return undefined;
  if (longest(0, endBefore) >= sustain) return undefined;
  return `HPA ${h.name} held the workload at maxReplicas (${h.maxReplicas}) for ${formatMinutes(after)} after the merge, never that long before`;
}

/**
 * Pods that have not been ready for at least `sustain` since something that happened after the
 * merge: started after it (the change rolled them) or last crashed after it. A pod younger than
 * that is a rollout in progress; a pod unready since before the merge is not ours.
 */
function unreadySince(pods: PodModel[], since: number, now: number, sustain: number): string[] {
  const out: string[] = [];
  for (const p of pods) {
    if (p.ready !== false || p.terminating) continue;
    const crashed = Math.max(
      ...(p.statuses ?? []).map((s) =>
        s.lastTerminatedAt !== undefined && !s.ready ? s.lastTerminatedAt : -Infinity,
      ),
    );
    const started = p.startedAt ?? -Infinity;
    const from = started > since ? started : crashed > since ? crashed : undefined;
    if (from !== undefined && now - from >= sustain) out.push(p.name);
  }
  return out.sort();
}

function formatMinutes(seconds: number): string {
  return seconds >= 7200 && seconds % 3600 === 0 ? `${seconds / 3600}h` : `${Math.round(seconds / 60)} min`;
}

/**
 * CPU throttling, from the usage digests: a day whose highest 5-minute CPU mean reached 95 % of
 * the container's CPU limit means CFS throttled it. It counts only when new since the merge (a
 * container that always ran at its limit did not regress because of us).
 */
function newThrottling(model: ClusterModel, w: WorkloadModel, since: number): string[] {
  const usage = model.usage?.get(w.key);
  if (!usage) return [];
  const out: string[] = [];
  for (const c of w.template.containers) {
    const limit = c.limits.cpu;
    const d = usage.containers.get(c.name);
    if (!limit || !d) continue;
    // Days that start after the merge, and days that end before it.
    const firstAfter = Math.ceil((since - d.windowStart) / 86400);
    const lastBefore = Math.floor((since - d.windowStart) / 86400) - 1;
    let after = 0;
    let before = 0;
    d.dailyCpuPeak.forEach((peak, day) => {
      if (!(peak >= 0) || peak * 1000 < 0.95 * limit) return;
      if (day >= firstAfter) after++;
      else if (day <= lastBefore) before++;
    });
    if (after > 0 && before === 0)
      out.push(
        `container ${c.name} ran at its CPU limit (${limit}m, CFS-throttled) on ${after} day(s) since the merge, on none before`,
      );
  }
  return out;
}

export interface WatchInput {
  settings: PublishSettings;
  watch: WatchSettings;
  platform: Platform;
  clusters: ClusterPlanResult[];
  ws: Workspace;
  gate: WriteGate;
  clock: Clock;
  logger: Logger;
}

export async function watchMerged(input: WatchInput): Promise<GroupOutcome[]> {
  const { platform, settings: s, watch, gate, ws, logger } = input;
  if (watch.days <= 0) return [];
  const now = Math.floor(input.clock.now() / 1000);
  const merged = (await platform.listMergedSince(iso(now - watch.days * 86400))).filter((p) => {
    const m = decodeMarker(p.body);
    // The guardian's emergency PRs are its to follow up (restore, revert), not the regression watch's.
    return m && !m.revertOf && !m.emergency && p.head.startsWith(s.branchPrefix);
  });
  const outcomes: GroupOutcome[] = [];
  for (const pr of merged) {
    const marker = decodeMarker(pr.body)!;
    const cluster = input.clusters.find((c) => c.cluster.name === marker.cluster);
    if (!cluster) continue; // no data about that cluster in this run: nothing can be concluded
    const mergedAt = Date.parse(pr.mergedAt!) / 1000;
    const workloads = [...new Set(Object.keys(marker.fields).map((k) => k.split('#')[0]!))];
    const evidence = workloads
      .map((w) => ({ w, signals: regressionSignals(cluster.model, w, mergedAt, watch) }))
      .filter((x) => x.signals.length);
    const branch = branchName(s.branchPrefix, marker.cluster, `revert-pr-${pr.number}`);
    const base = { cluster: marker.cluster, group: marker.group, branch, pull: pr.number };
    if (!evidence.length) {
      outcomes.push({ ...base, action: 'watched', detail: `healthy since the merge of #${pr.number}` });
      continue;
    }
    const log = logger.child({ branch, merged: pr.number });
    const existing = await platform.findPullsByHead(branch);
    if (existing.length) {
      outcomes.push({
        ...base,
        action: 'revert-exists',
        pull: existing[0]!.number,
        detail:
          existing[0]!.state === 'open' ? 'the revert PR is open' : 'the revert PR was closed; not reopened',
      });
      continue;
    }
    const commit = await mergedCommit(ws, pr, marker);
    const lines = evidence.flatMap((e) => e.signals.map((sig) => `- \`${e.w}\`: ${sig}`));
    if (!commit) {
      await gate.write('comment', `#${pr.number}`, () =>
        platform.ensureComment(
          pr.number,
          'regression',
          `Tidemark saw a regression after this change was merged, but cannot find its commit on \`${ws.base}\` to revert:\n\n${lines.join('\n')}\n\nPlease revert it by hand.`,
        ),
      );
      outcomes.push({ ...base, action: 'revert-impossible', detail: 'merged commit not found' });
      continue;
    }
    const reverted = await revertOnto(
      ws,
      branch,
      commit,
      pr,
      evidence.map((e) => e.w),
      lines,
    );
    if (!reverted) {
      await gate.write('comment', `#${pr.number}`, () =>
        platform.ensureComment(
          pr.number,
          'regression',
          `Tidemark saw a regression after this change was merged, but reverting it conflicts with later commits on \`${ws.base}\`:\n\n${lines.join('\n')}\n\nPlease revert it by hand.`,
        ),
      );
      outcomes.push({ ...base, action: 'revert-impossible', detail: 'the revert conflicts' });
      continue;
    }
    const revertMarker: PrMarker = {
      v: 1,
      cluster: marker.cluster,
      group: marker.group,
      fields: {},
      fingerprint: `revert-${pr.number}`,
      labels: [...s.labels, REVERT_LABEL],
      base: ws.base,
      revertOf: pr.number,
    };
    const title = `revert(tidemark): #${pr.number} — regression after merge (${marker.cluster})`;
    const body = [
      `## Tidemark: revert #${pr.number}`,
      '',
      `Merged ${pr.mergedAt}. Since then, in cluster \`${marker.cluster}\`:`,
      '',
      ...lines,
      '',
      `This pull request reverts exactly the commit of #${pr.number} (\`${commit.sha.slice(0, 12)}\`). It is opened at once, outside the usual PR limits.`,
      `After it merges, Tidemark proposes no cuts to ${evidence.length > 1 ? 'these workloads' : 'this workload'} for 30 days (policy rule \`afterRevert\`).`,
      '',
      encodeMarker(revertMarker),
      '',
    ].join('\n');
    // A run that pushed this branch and then failed to open the PR leaves it behind: the revert
    // rebuilt from the current base replaces it under a lease on the sha we fetched, or reuses it
    // as it is when it already holds the same revert (no push, no CI run).
    const remote = await remoteSha(ws, branch);
    if (!remote || !(await holdsSameRevert(ws, remote)))
      await gate.write('push', branch, () => pushWithLease(ws, branch, remote));
    const created = await gate.write('create pull request', branch, () =>
      platform.createPull({ head: branch, base: ws.base, title, body, draft: false }),
    );
    if (created) {
      await gate.write('label', `#${created.number}`, () =>
        platform.addLabels(created.number, revertMarker.labels),
      );
      await gate.write('comment', `#${pr.number}`, () =>
        platform.ensureComment(
          pr.number,
          'regression',
          `Tidemark saw a regression after this change and opened #${created.number} to revert it:\n\n${lines.join('\n')}`,
        ),
      );
    }
    log.warn('regression after merge: revert PR opened', { revert: created?.number, signals: lines.length });
    outcomes.push({ ...base, action: 'revert-opened', pull: created?.number, detail: lines.join(' ') });
  }
  return outcomes;
}

interface FoundCommit {
  sha: string;
  parents: number;
}

/**
 * The commit that brought the PR into the base: GitHub's merge commit ("Merge pull request #N"),
 * a squash ("… (#N)"), or — for rebase merges — the commit carrying exactly our trailers.
 */
async function mergedCommit(ws: Workspace, pr: PullInfo, marker: PrMarker): Promise<FoundCommit | undefined> {
  const since = new Date(Date.parse(pr.mergedAt!) - 2 * 86400_000).toISOString();
  const out = await ws.git.raw([
    'log',
    `refs/remotes/origin/${ws.base}`,
    `--since=${since}`,
    '--format=%H%x1f%P%x1f%B%x1e',
  ]);
  const expected = Object.entries(marker.fields)
    .filter(([k]) => !k.includes('#object:'))
    .map(([k]) => {
      const [workload, field] = k.split('#');
      return `Tidemark-Change: ${workload} ${field} `;
    });
  for (const record of out.split('\x1e')) {
    const [sha, parents, message] = record.trim().split('\x1f');
    if (!sha || message === undefined) continue;
    const n = (parents ?? '').split(' ').filter(Boolean).length;
    if (
      new RegExp(`^Merge pull request #${pr.number}\\b`).test(message) ||
      new RegExp(`\\(#${pr.number}\\)\\s*$`, 'm').test(message.split('\n')[0]!)
    )
      return { sha, parents: n };
    if (expected.length && expected.every((t) => message.includes(t)) && n === 1) return { sha, parents: n };
  }
  return undefined;
}

/** A revert commit on a fresh branch from the base; undefined when it conflicts. */
async function revertOnto(
  ws: Workspace,
  branch: string,
  commit: FoundCommit,
  pr: PullInfo,
  workloads: string[],
  lines: string[],
): Promise<boolean> {
  await ws.git.raw(['checkout', '-q', '-B', branch, `refs/remotes/origin/${ws.base}`]);
  try {
    await ws.git.raw(['revert', '--no-commit', ...(commit.parents > 1 ? ['-m', '1'] : []), commit.sha]);
  } catch {
    await ws.git.raw(['revert', '--abort']).catch(() => undefined);
    await ws.git.raw(['reset', '-q', '--hard']);
    return false;
  }
  const message = [
    `revert(tidemark): #${pr.number} after a regression`,
    '',
    ...lines,
    '',
    ...workloads.map((w) => formatChangeTrailer({ workload: w, field: REVERT_FIELD, to: `pr-${pr.number}` })),
    `Tidemark-Policy: watch`,
    '',
  ].join('\n');
  return (await commitAll(ws, message)) !== undefined;
}

/** The remote branch already holds this revert: the same tree and the same change trailers. */
async function holdsSameRevert(ws: Workspace, remote: string): Promise<boolean> {
  const facts = async (ref: string): Promise<string> => {
    const tree = (await ws.git.raw(['rev-parse', `${ref}^{tree}`])).trim();
    const message = await ws.git.raw(['log', '-1', '--format=%B', ref]);
    const trailers = message
      .split('\n')
      .filter((l) => l.startsWith(`${CHANGE_TRAILER}:`))
      .sort();
    return [tree, ...trailers].join('\n');
  };
  return (await facts('HEAD')) === (await facts(remote));
}

function iso(t: number): string {
  return new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
