/**
 * Whether Pending pods may burst to TKE super nodes now: only through the cluster's own switch
 * (AUTO_SCALE_EKS), only when it is explicitly off, super nodes exist, and pods have stayed
 * unschedulable for a window — and back off after none has been for the cool period. Pure.
 */
import type { JournalEntry } from './kube/journal.js';
import type { GuardianSettings } from './settings.js';

export interface BurstView {
  /** AUTO_SCALE_EKS as stored; undefined when eks-config is absent or unreadable. */
  switchValue?: string;
  present: boolean;
  superNodes: number;
  pending: number;
  /** Unix seconds since at least `minPending` pods are unschedulable / since none is. */
  pendingSince?: number;
  quietSince?: number;
  entry?: JournalEntry;
}

export type BurstIntent =
  | { kind: 'burst-on'; why: string }
  | { kind: 'burst-off'; entry: string; why: string }
  | { kind: 'burst-release'; entry: string; why: string };

export function decideBurst(
  v: BurstView,
  g: GuardianSettings,
  now: number,
): { intent?: BurstIntent; refused?: string } {
  if (!v.present) return {};
  if (v.entry) {
    if (v.switchValue !== 'true')
      return {
        intent: {
          kind: 'burst-release',
          entry: v.entry.id,
          why: `AUTO_SCALE_EKS is ${v.switchValue ?? 'unset'}, set by someone else; no longer the guardian's to revert`,
        },
      };
    if (v.quietSince !== undefined && now - v.quietSince >= g.coolSeconds)
      return {
        intent: {
          kind: 'burst-off',
          entry: v.entry.id,
          why: `no pod unschedulable for ${Math.round(now - v.quietSince)} s`,
        },
      };
    return {};
  }
  if (v.pendingSince === undefined || now - v.pendingSince < g.burst.pendingSeconds) return {};
  if (v.switchValue !== 'false') return {}; // on (or TKE's default, on): nothing to switch
  if (!g.actions.burst) return { refused: 'actions.burst is off' };
  if (v.superNodes === 0) return { refused: 'no super node (eklet) in the cluster to burst to' };
  return {
    intent: {
      kind: 'burst-on',
      why: `${v.pending} pod(s) unschedulable for ${Math.round(now - v.pendingSince)} s and ${v.superNodes} super node(s) available: AUTO_SCALE_EKS on, no pod template changed`,
    },
  };
}
