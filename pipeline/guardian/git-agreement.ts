/**
 * Makes Git agree with the guardian's changes to desired state (a lifted HPA ceiling): each active
 * lift is handed to the publish module as an emergency PR holding exactly the live value; each
 * restored one gets its emergency PR closed (Git never took it) or a revert PR (Git did). Driven
 * by the journal, so it is level-triggered too: a new leader finds what is still owed to Git and
 * finishes it. One pass at a time, in the background, so a slow clone never delays a taint.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EmergencyChange, EmergencyOutcome } from '../publish/emergency.js';
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
      let outcome: EmergencyOutcome;
      try {
        outcome = await this.d.publish(change);
      } catch (err) {
        this.d.logger.warn('emergency PR failed; tried again later', {
          entry: e.id,
          error: (err as Error).message,
        });
        continue;
      }
      const attempt: GitAttempt = {
        value: owed.live,
        at: now,
        action: outcome.action,
        detail: outcome.detail,
        ...(outcome.pull ? { pull: outcome.pull } : {}),
        ...(outcome.closed ? { closed: outcome.closed } : {}),
      };
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
