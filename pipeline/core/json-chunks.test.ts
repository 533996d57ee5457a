import fc from 'fast-check';
import { prettyJsonChunks } from './json-chunks.js';

describe('core/json-chunks', () => {
  it('writes exactly what JSON.stringify(value, null, 2) writes, at any depth', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 5 }), (value, depth) => {
        expect([...prettyJsonChunks(value, depth)].join('')).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it('drops undefined members, writes them as null in arrays, and honours toJSON', () => {
    const value = {
      a: undefined,
      b: [undefined, () => 1, 2],
      c: new Date(0),
      d: { e: undefined },
      f: [],
      g: {},
      'quote"key': 'line\nbreak',
    };
    for (const depth of [0, 1, 2, 3])
      expect([...prettyJsonChunks(value, depth)].join('')).toBe(JSON.stringify(value, null, 2));
  });

  it('never yields a piece larger than one element below the opened levels', () => {
    const doc = { clusters: [{ recommendations: Array.from({ length: 1000 }, (_, i) => ({ id: i })) }] };
    const largest = Math.max(...[...prettyJsonChunks(doc, 4)].map((c) => c.length));
    expect(largest).toBeLessThan(100);
  });

  it('opens a large element below the given depth too, so no piece holds it whole', () => {
    const nodes = Array.from({ length: 300 }, (_, i) => ({
      name: `n${i}`,
      pods: Array.from({ length: 30 }, (_, j) => j),
    }));
    const doc = { clusters: [{ reports: [{ data: { nodes } }] }] };
    const pieces = [...prettyJsonChunks(doc, 4)];
    expect(pieces.join('')).toBe(JSON.stringify(doc, null, 2));
    // One node with its pods is ~300 characters; the report whole would be ~90,000.
    expect(Math.max(...pieces.map((c) => c.length))).toBeLessThan(1000);
  });
});
