/**
 * The TKE burst switch without a cluster: on only when it is explicitly off, super nodes exist and
 * pods stayed unschedulable for the window; off after the cool period; a value someone else set
 * is released; the switch in settings holds.
 */
import { decideBurst, type BurstView } from './decide-burst.js';
import type { JournalEntry } from './kube/journal.js';
import { GUARDIAN_DEFAULTS as G } from './settings.js';

const T = 1_800_000_000;
const view = (o: Partial<BurstView> = {}): BurstView => ({
  present: true,
  switchValue: 'false',
  superNodes: 2,
  pending: 3,
  pendingSince: T - G.burst.pendingSeconds,
  ...o,
});
const entry = { id: 'g-9', action: 'burst', state: 'active' } as JournalEntry;

describe('guardian/decide-burst', () => {
  it('turns the switch on after a full window of unschedulable pods, and only then', () => {
    expect(decideBurst(view(), G, T).intent).toMatchObject({ kind: 'burst-on' });
    expect(decideBurst(view({ pendingSince: T - 30 }), G, T)).toEqual({});
    expect(decideBurst(view({ pendingSince: undefined, pending: 0 }), G, T)).toEqual({});
    // already on (or unset: TKE's default is on), or no eks-config: nothing to switch
    expect(decideBurst(view({ switchValue: 'true' }), G, T)).toEqual({});
    expect(decideBurst(view({ switchValue: undefined }), G, T)).toEqual({});
    expect(decideBurst(view({ present: false }), G, T)).toEqual({});
    expect(decideBurst(view({ superNodes: 0 }), G, T).refused).toMatch(/no super node/);
    expect(decideBurst(view(), { ...G, actions: { ...G.actions, burst: false } }, T).refused).toMatch(/off/);
  });

  it('turns it back off after the cool period, and releases a value someone else set', () => {
    const on = view({ switchValue: 'true', entry, pending: 0, pendingSince: undefined });
    expect(decideBurst({ ...on, quietSince: T - G.coolSeconds + 1 }, G, T)).toEqual({});
    expect(decideBurst({ ...on, quietSince: T - G.coolSeconds }, G, T).intent).toMatchObject({
      kind: 'burst-off',
      entry: 'g-9',
    });
    expect(decideBurst({ ...on, switchValue: 'false' }, G, T).intent).toMatchObject({
      kind: 'burst-release',
      entry: 'g-9',
    });
  });
});
