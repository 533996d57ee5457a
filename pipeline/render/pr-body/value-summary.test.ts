import { summarizeValueChange } from './value-summary.js';

describe('render/pr-body/value-summary', () => {
  it('leaves short scalars to be shown as they are', () => {
    expect(summarizeValueChange('1', '800m')).toBeUndefined();
    expect(summarizeValueChange('—', 'true')).toBeUndefined();
  });

  it("names the leaves that changed in Koordinator's JSON, array elements by their name", () => {
    const before = JSON.stringify({
      enable: true,
      nodeConfigs: [
        { name: 'general', nodeSelector: { matchLabels: { pool: 'general' } }, cpu: 60, memory: 65 },
      ],
    });
    const after = JSON.stringify({
      enable: true,
      nodeConfigs: [
        { name: 'general', nodeSelector: { matchLabels: { pool: 'general' } }, cpu: 55, memory: 65 },
      ],
    });
    expect(summarizeValueChange(before, after)).toBe('`nodeConfigs[general].cpu` 60 → 55');
  });

  it('says what was added and removed, shows three changes and counts the rest', () => {
    const a = JSON.stringify({ a: 1, b: 2, c: 3, d: 4, gone: 'x' });
    const b = JSON.stringify({ a: 10, b: 20, c: 30, d: 40, fresh: [] });
    expect(summarizeValueChange(a, b)).toBe('`a` 1 → 10; `b` 2 → 20; `c` 3 → 30; 3 more (see the diff)');
    expect(summarizeValueChange('{"x":1}', '{"x":1,"y":{"z":true}}')).toBe('`y.z` added: true');
    expect(summarizeValueChange('{"x":1,"y":2}', '{"x":1}')).toBe('`y` removed (was 2)');
  });

  it('says when only the formatting changed, and never prints a long value whole', () => {
    expect(summarizeValueChange('{"a": 1}', '{"a":1}')).toBe('no value changes (formatting only)');
    const long = 'x'.repeat(80);
    expect(summarizeValueChange(long, `${long}y`)).toBe('a long value changes (see the diff)');
    const cut = summarizeValueChange('{"k":"short"}', JSON.stringify({ k: 'y'.repeat(100) }))!;
    expect(cut).toMatch(/^`k` "short" → "y{36}…$/);
  });
});
