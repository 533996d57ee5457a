/**
 * The elastic ceiling without a cluster: saturation needs the ceiling reached and demand above it
 * for a whole window; a step is bounded and capped; calm for the cool period restores; a value
 * someone else set is released, and GitOps putting Git's value back is re-applied once per
 * cool-down; an HPA owned by an unknown controller is refused.
 */
import { calm, decideHpas, saturated, type HpaView } from './decide-hpa.js';
import type { HpaObject } from './kube/autoscalers.js';
import type { JournalEntry } from './kube/journal.js';
import { GUARDIAN_DEFAULTS as G } from './settings.js';

const T = 1_800_000_000;
const meta = { name: 'web', namespace: 'shop', annotations: {}, labels: {}, annotated: false };

function hpa(over: Partial<HpaObject> = {}): HpaObject {
  return {
    metadata: meta,
    minReplicas: 2,
    maxReplicas: 8,
    currentReplicas: 8,
    desiredReplicas: 8,
    utilization: [{ metric: 'cpu', current: 95, target: 70 }],
    limited: false,
    ...over,
  };
}

function view(h: HpaObject, over: Partial<HpaView> = {}): HpaView {
  return {
    key: 'shop/web',
    hpa: h,
    holder: {
      kind: 'HorizontalPodAutoscaler',
      namespace: 'shop',
      name: 'web',
      max: h.maxReplicas,
      metadata: meta,
    },
    ...over,
  };
}

const lifted = (value: number, original = 8): JournalEntry => ({
  id: 'g-1',
  at: T - 900,
  lastAt: T - 900,
  actor: 'g',
  action: 'lift',
  target: 'HorizontalPodAutoscaler/shop/web',
  why: 'saturated',
  previous: { maxReplicas: original },
  value,
  state: 'active',
});

describe('guardian/decide-hpa', () => {
  it('is saturated only at the ceiling with demand above it', () => {
    expect(saturated(hpa())).toBe(true);
    expect(saturated(hpa({ currentReplicas: 7 }))).toBe(false);
    expect(saturated(hpa({ utilization: [{ metric: 'cpu', current: 60, target: 70 }] }))).toBe(false);
    expect(saturated(hpa({ utilization: [{ metric: 'cpu', target: 70 }], limited: true }))).toBe(true);
    expect(
      calm(hpa({ desiredReplicas: 7, utilization: [{ metric: 'cpu', current: 50, target: 70 }] }), 8, 0.1),
    ).toBe(true);
    // 8 × (1 − 0.1) = 7.2: desired 8 does not fit with the margin
    expect(
      calm(hpa({ desiredReplicas: 8, utilization: [{ metric: 'cpu', current: 50, target: 70 }] }), 8, 0.1),
    ).toBe(false);
  });

  it('lifts by one bounded step only after a full window, then steps again after the cool-down up to the cap', () => {
    const early = decideHpas([view(hpa(), { saturatedSince: T - G.hpa.windowSeconds + 10 })], G, T);
    expect(early.intents).toEqual([]);
    const first = decideHpas([view(hpa(), { saturatedSince: T - G.hpa.windowSeconds })], G, T);
    expect(first.intents).toEqual([
      expect.objectContaining({ kind: 'lift', hpa: 'shop/web', from: 8, to: 12, original: 8 }),
    ]);
    expect((first.intents[0] as { why: string }).why).toMatch(/cpu 95 % over target 70 %/);

    const at12 = hpa({ maxReplicas: 12, currentReplicas: 12, desiredReplicas: 15 });
    const cooling = decideHpas(
      [view(at12, { saturatedSince: T - 600, entry: lifted(12), lastStepAt: T - 60 })],
      G,
      T,
    );
    expect(cooling.intents).toEqual([]);
    expect(cooling.refused).toEqual([expect.objectContaining({ reason: 'cooldown' })]);
    const second = decideHpas(
      [view(at12, { saturatedSince: T - 600, entry: lifted(12), lastStepAt: T - G.stepCooldownSeconds })],
      G,
      T,
    );
    // 12 + 6 = 18 would pass the cap of 2 × 8
    expect(second.intents).toEqual([
      expect.objectContaining({ kind: 'lift', from: 12, to: 16, original: 8 }),
    ]);
    const at16 = hpa({ maxReplicas: 16, currentReplicas: 16 });
    const capped = decideHpas(
      [view(at16, { saturatedSince: T - 900, entry: lifted(16), lastStepAt: T - 900 })],
      G,
      T,
    );
    expect(capped.intents).toEqual([]);
    expect(capped.refused).toEqual([expect.objectContaining({ reason: 'ceiling-cap' })]);
  });

  it('restores the old ceiling after the cool period, not before', () => {
    const h = hpa({ maxReplicas: 12, currentReplicas: 6, desiredReplicas: 6 });
    const soon = decideHpas([view(h, { calmSince: T - G.coolSeconds + 10, entry: lifted(12) })], G, T);
    expect(soon.intents).toEqual([]);
    const done = decideHpas([view(h, { calmSince: T - G.coolSeconds, entry: lifted(12) })], G, T);
    expect(done.intents).toEqual([
      expect.objectContaining({ kind: 'restore', from: 12, to: 8, entry: 'g-1' }),
    ]);
  });

  it('re-applies once per cool-down when GitOps puts the old value back, and releases a value someone else set', () => {
    const reverted = hpa({ maxReplicas: 8 });
    const again = decideHpas(
      [view(reverted, { saturatedSince: T - 30, entry: lifted(12), lastStepAt: T - G.stepCooldownSeconds })],
      G,
      T,
    );
    expect(again.intents).toEqual([expect.objectContaining({ kind: 'lift', from: 8, to: 12 })]);
    expect((again.intents[0] as { why: string }).why).toMatch(/selfHeal/);
    const tooSoon = decideHpas(
      [view(reverted, { saturatedSince: T - 30, entry: lifted(12), lastStepAt: T - 10 })],
      G,
      T,
    );
    expect(tooSoon.intents).toEqual([]);
    const other = decideHpas(
      [view(hpa({ maxReplicas: 20, currentReplicas: 10 }), { entry: lifted(12) })],
      G,
      T,
    );
    expect(other.intents).toEqual([expect.objectContaining({ kind: 'release', entry: 'g-1' })]);
  });

  it('refuses an HPA owned by a controller it cannot write through, and honours the switch', () => {
    const owned = decideHpas(
      [view(hpa(), { saturatedSince: T - 600, holder: { refuse: 'owned by Foo x' } })],
      G,
      T,
    );
    expect(owned.intents).toEqual([]);
    expect(owned.refused).toEqual([
      expect.objectContaining({ reason: 'owner-unknown', detail: 'owned by Foo x' }),
    ]);
    const off = decideHpas(
      [view(hpa(), { saturatedSince: T - 600 })],
      { ...G, actions: { ...G.actions, liftHpa: false } },
      T,
    );
    expect(off.refused).toEqual([expect.objectContaining({ reason: 'disabled' })]);
  });
});
