/**
 * The elastic ceiling, decided: an HPA that has sat at maxReplicas with utilization above target
 * for a window gets its ceiling lifted by a bounded step (never above a multiple of the ceiling
 * before the incident); once demand fits under the old ceiling again for the cool period, the old
 * ceiling comes back. Pure and level-triggered like decide.ts. Lifting a ceiling adds capacity
 * rather than moving load, so it is the one step still taken during a fleet-wide surge.
 */
import type { HpaObject, OwnerKind, ScaleMeta } from './kube/autoscalers.js';
import type { JournalEntry } from './kube/journal.js';
import type { GuardianSettings } from './settings.js';

export interface CeilingHolder {
  kind: 'HorizontalPodAutoscaler' | OwnerKind;
  namespace: string;
  name: string;
  /** Its ceiling now. */
  max: number;
  metadata: ScaleMeta;
}

export interface HpaView {
  /** namespace/name of the HPA. */
  key: string;
  hpa: HpaObject;
  /** Where the ceiling is written (the HPA, or the KEDA / Crane object that owns it), or why it cannot be. */
  holder: CeilingHolder | { refuse: string };
  /** Unix seconds since it has been saturated / calm without a break. */
  saturatedSince?: number;
  calmSince?: number;
  /** The guardian's active lift of this HPA. */
  entry?: JournalEntry;
  lastStepAt?: number;
}

export type HpaIntent =
  | { kind: 'lift'; hpa: string; from: number; to: number; original: number; why: string }
  | { kind: 'restore'; hpa: string; from: number; to: number; entry: string; why: string }
  | { kind: 'release'; hpa: string; entry: string; why: string };

export interface HpaRefusal {
  hpa: string;
  reason: 'owner-unknown' | 'cooldown' | 'ceiling-cap' | 'disabled';
  detail: string;
}

/** At its ceiling and still wanting more: the HPA controller's ScalingLimited, or utilization over target. */
export function saturated(h: HpaObject): boolean {
  if (h.maxReplicas <= 0 || h.currentReplicas < h.maxReplicas) return false;
  return h.limited || h.utilization.some((u) => u.current !== undefined && u.current > u.target);
}

/** Demand fits under `ceiling` with the hysteresis margin, and no metric is over its target. */
export function calm(h: HpaObject, ceiling: number, hysteresis: number): boolean {
  const fits = h.desiredReplicas <= Math.max(1, Math.floor(ceiling * (1 - hysteresis)));
  return fits && !h.limited && h.utilization.every((u) => u.current === undefined || u.current <= u.target);
}

export function decideHpas(
  views: HpaView[],
  g: GuardianSettings,
  now: number,
): { intents: HpaIntent[]; refused: HpaRefusal[] } {
  const intents: HpaIntent[] = [];
  const refused: HpaRefusal[] = [];
  const cooling = (v: HpaView) => v.lastStepAt !== undefined && now - v.lastStepAt < g.stepCooldownSeconds;

  for (const v of views) {
    const e = v.entry;
    if ('refuse' in v.holder) {
      if (!e && v.saturatedSince !== undefined && now - v.saturatedSince >= g.hpa.windowSeconds)
        refused.push({ hpa: v.key, reason: 'owner-unknown', detail: v.holder.refuse });
      continue;
    }
    const live = v.holder.max;
    if (e) {
      const original = (e.previous as { maxReplicas: number }).maxReplicas;
      if (live !== e.value) {
        if (live === original && v.saturatedSince !== undefined) {
          // GitOps (selfHeal) put Git's value back while the incident lasts: once per cool-down.
          if (cooling(v)) {
            refused.push({
              hpa: v.key,
              reason: 'cooldown',
              detail: `maxReplicas was put back to ${live} (GitOps self-heal?); re-applied at most once per ${g.stepCooldownSeconds} s`,
            });
            continue;
          }
          intents.push({
            kind: 'lift',
            hpa: v.key,
            from: live,
            to: Number(e.value),
            original,
            why: `maxReplicas was put back to ${live} (Argo CD selfHeal or Flux re-applying Git) while still saturated; re-applied ${e.value}, once per cool-down — merge the emergency PR to end this`,
          });
          continue;
        }
        intents.push({
          kind: 'release',
          hpa: v.key,
          entry: e.id,
          why: `maxReplicas is ${live}, set by someone else (the guardian set ${e.value}); no longer the guardian's to revert`,
        });
        continue;
      }
      if (v.calmSince !== undefined && now - v.calmSince >= g.coolSeconds) {
        intents.push({
          kind: 'restore',
          hpa: v.key,
          from: live,
          to: original,
          entry: e.id,
          why: `demand fits under the old ceiling again (desired ${v.hpa.desiredReplicas} ≤ ${original}) for ${Math.round(now - v.calmSince)} s`,
        });
        continue;
      }
    }
    if (v.saturatedSince === undefined || now - v.saturatedSince < g.hpa.windowSeconds) continue;
    if (!g.actions.liftHpa) {
      refused.push({ hpa: v.key, reason: 'disabled', detail: 'actions.liftHpa is off' });
      continue;
    }
    if (cooling(v)) {
      refused.push({
        hpa: v.key,
        reason: 'cooldown',
        detail: `last step ${Math.round(now - v.lastStepAt!)} s ago (cool-down ${g.stepCooldownSeconds} s)`,
      });
      continue;
    }
    const original = e ? (e.previous as { maxReplicas: number }).maxReplicas : live;
    const cap = Math.floor(original * g.hpa.maxFactor);
    const to = Math.min(cap, live + Math.max(1, Math.ceil(live * g.hpa.step)));
    if (to <= live) {
      refused.push({
        hpa: v.key,
        reason: 'ceiling-cap',
        detail: `maxReplicas ${live} is at the cap (${g.hpa.maxFactor}× the ${original} before the incident)`,
      });
      continue;
    }
    const over = v.hpa.utilization
      .filter((u) => u.current !== undefined && u.current > u.target)
      .map((u) => `${u.metric} ${u.current} % over target ${u.target} %`);
    intents.push({
      kind: 'lift',
      hpa: v.key,
      from: live,
      to,
      original,
      why: `at maxReplicas ${v.hpa.maxReplicas} for ${Math.round(now - v.saturatedSince)} s (window ${g.hpa.windowSeconds} s): ${
        over.length ? over.join(', ') : 'the HPA reports ScalingLimited (desired above the ceiling)'
      }; desired ${v.hpa.desiredReplicas}`,
    });
  }
  return { intents, refused };
}
