/**
 * Koordinator's reclaim threshold for one pool, by hand: the pool's own nodeConfigs entry is
 * lowered by the step (never under the floor) and put back; a pool without one gets the guardian's
 * own entry, removed again — each byte-for-byte, in the JSON's own layout; a value someone else
 * changed is not reverted.
 */
import { relax, tighten } from './koordinator.js';

const CONFIG = `{"enable": true, "cpuReclaimThresholdPercent": 60, "memoryReclaimThresholdPercent": 65,
 "nodeConfigs": [{"name": "big-nodes", "nodeSelector": {"matchLabels": {"node-pool": "big"}},
                  "cpuReclaimThresholdPercent": 70}]}`;

describe('guardian/koordinator', () => {
  it("lowers a pool's own threshold by the step and restores it exactly", () => {
    const t = tighten(CONFIG, 'node-pool', 'big', 'cpu', 20, 10);
    if ('refuse' in t) throw new Error(t.refuse);
    expect(t.change).toEqual({ resource: 'cpu', from: 70, to: 50, added: false, createdArray: false });
    expect(t.text).toBe(
      CONFIG.replace('"cpuReclaimThresholdPercent": 70', '"cpuReclaimThresholdPercent": 50'),
    );
    const r = relax(t.text, 'node-pool', 'big', t.change);
    expect(r).toEqual({ text: CONFIG });
  });

  it('adds its own entry for a pool without one (from the cluster value), and removes it again', () => {
    const t = tighten(CONFIG, 'node-pool', 'general', 'memory', 20, 10);
    if ('refuse' in t) throw new Error(t.refuse);
    // cluster-wide 65 − 20
    expect(t.change).toEqual({ resource: 'memory', from: null, to: 45, added: true, createdArray: false });
    expect(JSON.parse(t.text).nodeConfigs[1]).toEqual({
      name: 'tidemark-hotspot-general',
      nodeSelector: { matchLabels: { 'node-pool': 'general' } },
      memoryReclaimThresholdPercent: 45,
    });
    expect(relax(t.text, 'node-pool', 'general', t.change)).toEqual({ text: CONFIG });

    const bare = '{"enable": true}';
    const b = tighten(bare, 'node-pool', 'general', 'cpu', 20, 10);
    if ('refuse' in b) throw new Error(b.refuse);
    expect(b.change).toMatchObject({ from: null, to: 40, added: true, createdArray: true }); // default 60
    expect(relax(b.text, 'node-pool', 'general', b.change)).toEqual({ text: bare });
  });

  it('stops at the floor, refuses when colocation is off, and releases a value changed by someone else', () => {
    const low = CONFIG.replace('"cpuReclaimThresholdPercent": 70', '"cpuReclaimThresholdPercent": 15');
    const t = tighten(low, 'node-pool', 'big', 'cpu', 20, 10);
    expect('refuse' in t ? undefined : t.change.to).toBe(10);
    expect(
      tighten(CONFIG.replace('"enable": true', '"enable": false'), 'node-pool', 'big', 'cpu', 20, 10),
    ).toEqual({
      refuse: expect.stringMatching(/not enabled/),
    });
    const done = tighten(CONFIG, 'node-pool', 'big', 'cpu', 20, 10);
    if ('refuse' in done) throw new Error(done.refuse);
    const edited = done.text.replace('"cpuReclaimThresholdPercent": 50', '"cpuReclaimThresholdPercent": 55');
    expect(relax(edited, 'node-pool', 'big', done.change)).toEqual({
      refuse: expect.stringMatching(/is 55/),
    });
  });
});
