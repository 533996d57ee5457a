/**
 * Makes Git agree with the guardian's changes to desired state (a lifted HPA ceiling, the TKE
 * switch, a memory raise that must outlive the next rollout — git-resize.ts): each active
 * lift is handed to the publish module as an emergency PR holding exactly the live value; each
 * restored one gets its emergency PR closed (Git never took it) or a revert PR (Git did). Driven
 * by the journal, so it is level-triggered too: a new leader finds what is still owed to Git and
 * finishes it. One pass at a time, in the background, so a slow clone never delays a taint.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EmergencyChange, EmergencyOutcome } from '../publish/emergency.js';
import { formatFieldPath } from '../plan/field-path.js';
import { resizeFieldPath, resizeProposals, type ResizeProposal } from './git-resize.js';
import type { GuardianSettings } from './settings.js';
import {
  originalValue,
  type GitAttempt,
  type GitRecord,
  type Journal,
  type JournalEntry,
} from './kube/journal.js';

export type EmergencyPublisher = (change: EmergencyChange) => Promise<EmergencyOutcome>;

/** Outcomes that end the attempt for this value; anything else is tried again after `retrySeconds`. */
const SETTLED = new Set([
  'created',
  'updated',
  'unchanged',
  'git-agrees',
  'git-differs',
  'not-in-git',
  'blocked-human-edit',
]);
/** A lift Git has (or was offered): the restore must follow it into Git. */
const IN_GIT = new Set(['created', 'updated', 'unchanged', 'git-agrees']);

export class GitAgreement {
  private running?: Promise<void>;
  private readonly lastTry = new Map<string, number>();

  constructor(
    private readonly d: {
      publish: EmergencyPublisher;
      journal: Journal;
      cluster: string;
      clock: Clock;
      logger: Logger;
      retrySeconds: number;
      /** Where an entry's value lives in Git: the object (HPA or owner) and its GitOps tracking. */
      locate(entry: JournalEntry): GitRecord | undefined;
      /** The settings memory raises are proposed by (resize.gitAfterSeconds). */
      settings?: GuardianSettings;
    },
  ) {}

  /** Starts a pass unless one is running; the promise is for tests and shutdown. */
  kick(): Promise<void> {
    this.running ??= this.pass()
      .catch((err: Error) => this.d.logger.warn('git agreement pass failed', { error: err.message }))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const now = Math.floor(this.d.clock.now() / 1000);
    if (this.d.settings)
      for (const p of resizeProposals(this.d.journal.entries, this.d.settings, now)) {
        if (now - (this.lastTry.get(p.key) ?? -Infinity) < this.d.retrySeconds) continue;
        this.lastTry.set(p.key, now);
        await this.proposeResize(p, now);
      }
    for (const e of [...this.d.journal.entries]) {
      if ((e.action !== 'lift' && e.action !== 'burst') || e.value === undefined) continue;
      const owed = this.owed(e);
      if (!owed) continue;
      if (now - (this.lastTry.get(e.id) ?? -Infinity) < this.d.retrySeconds) continue;
      this.lastTry.set(e.id, now);
      const record = e.git ?? this.d.locate(e);
      if (!record) continue;
      const change: EmergencyChange = {
        cluster: this.d.cluster,
        object: record.object,
        gitops: record.gitops,
        path: record.field.split('.'),
        mode: owed.mode,
        live: owed.live,
        other: owed.other,
        why: e.why,
        entry: e.id,
        ...(owed.mode === 'lift'
          ? {
              revertWhen:
                'when demand fits under the old ceiling again for the cool period, the guardian restores it and closes or reverts this PR',
            }
          : {}),
      };
      const published = await this.publishAttempt(change, owed.live, now, { entry: e.id });
      if (!published) continue;
      const { outcome, attempt } = published;
      await this.d.journal.update((entries) => {
        const x = entries.find((y) => y.id === e.id);
        if (!x) return;
        const git: GitRecord = x.git ?? { ...record };
        if (owed.mode === 'lift') {
          git.lift = attempt;
          if (git.before === undefined && outcome.gitValue !== undefined) git.before = outcome.gitValue;
        } else git.restore = attempt;
        x.git = git;
      });
    }
  }

  /**
   * Publishes one emergency change and says what was done, as the journal keeps it; a failure is
   * logged and left for a later tick (level-triggered: the change is still owed then).
   */
  private async publishAttempt(
    change: EmergencyChange,
    value: GitAttempt['value'],
    now: number,
    subject: Record<string, string>,
  ): Promise<{ outcome: EmergencyOutcome; attempt: GitAttempt } | undefined> {
    let outcome: EmergencyOutcome;
    try {
      outcome = await this.d.publish(change);
    } catch (err) {
      this.d.logger.warn('emergency PR failed; tried again later', {
        ...subject,
        error: (err as Error).message,
      });
      return undefined;
    }
    const attempt: GitAttempt = {
      value,
      at: now,
      action: outcome.action,
      detail: outcome.detail,
      ...(outcome.pull ? { pull: outcome.pull } : {}),
      ...(outcome.closed ? { closed: outcome.closed } : {}),
    };
    return { outcome, attempt };
  }

  /** One workload's memory, as the pods were resized (or back, once they all are). */
  private async proposeResize(p: ResizeProposal, now: number): Promise<void> {
    const [first, ...rest] = p.fields;
    if (!first) return;
    const change: EmergencyChange = {
      cluster: this.d.cluster,
      object: p.object,
      gitops: {},
      path: resizeFieldPath(first),
      mode: p.mode,
      live: first.live,
      other: first.other,
      also: rest.map((f) => ({ path: resizeFieldPath(f), live: f.live, other: f.other })),
      keepMerged: true,
      why: p.why,
      entry: p.entries[0]!,
      ...(p.mode === 'lift'
        ? {
            revertWhen:
              'when the working set stays under 80 % of the old limit for the cool period, the guardian rolls the pods back and closes this PR if it is not merged; a merged raise stays, and the next plan right-sizes it from its evidence',
          }
        : {}),
    };
    const published = await this.publishAttempt(change, p.value, now, { workload: p.key });
    if (!published) return;
    const { outcome, attempt } = published;
    await this.d.journal.update((entries) => {
      for (const x of entries) {
        if (!p.entries.includes(x.id)) continue;
        const git: GitRecord = x.git ?? {
          object: p.object,
          gitops: {},
          field: p.fields.map((f) => formatFieldPath(resizeFieldPath(f))).join(', '),
        };
        if (p.mode === 'lift') {
          git.lift = attempt;
          if (git.before === undefined && outcome.gitValue !== undefined) git.before = outcome.gitValue;
        } else git.restore = attempt;
        x.git = git;
      }
    });
  }

  private owed(
    e: JournalEntry,
  ): { mode: 'lift' | 'restore'; live: number | string; other: number | string } | undefined {
    const original = originalValue(e);
    if (e.state === 'active') {
      const l = e.git?.lift;
      if (l && l.value === e.value && SETTLED.has(l.action)) return undefined;
      return { mode: 'lift', live: e.value!, other: original };
    }
    if (e.state === 'reverted') {
      const l = e.git?.lift;
      if (!l || !IN_GIT.has(l.action)) return undefined;
      const r = e.git?.restore;
      if (r && SETTLED.has(r.action)) return undefined;
      return { mode: 'restore', live: original, other: l.value };
    }
    return undefined;
  }
}
