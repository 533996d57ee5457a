import { readRange, tiers } from './index.js';

const H = 3600;
const D = 86400;
const w = { start: 100 * D, end: 114 * D, step: 300 };

describe('collect/prometheus read range (UsageRequest.from)', () => {
  it('a warm run reads from its checkpoint on: point times start one step after `from`', () => {
    expect(tiers(w, undefined, 113 * D)).toEqual([{ from: 113 * D + 300, to: 114 * D, step: 300 }]);
    expect(readRange(w, 113 * D + 150)).toEqual({ start: 113 * D, end: 114 * D, step: 300 });
    expect(readRange(w, undefined)).toBe(w);
    expect(readRange(w, w.start - D)).toBe(w);
  });

  it('keeps the coarse tier on its grid, starting at the coarse point that covers `from`', () => {
    const coarse = { after: 3 * D, step: H };
    // Coarse points up to 111 d, fine ones after.
    expect(tiers(w, coarse)).toEqual([
      { from: 100 * D + H, to: 111 * D, step: H },
      { from: 111 * D + 300, to: 114 * D, step: 300 },
    ]);
    // From inside the coarse part: its hour [110 d + 1 h, 110 d + 2 h) is read whole.
    expect(tiers(w, coarse, 110 * D + H + 600)).toEqual([
      { from: 110 * D + 2 * H, to: 111 * D, step: H },
      { from: 111 * D + 300, to: 114 * D, step: 300 },
    ]);
    // From inside the fine part: fine points only.
    expect(tiers(w, coarse, 113 * D)).toEqual([{ from: 113 * D + 300, to: 114 * D, step: 300 }]);
  });
});
