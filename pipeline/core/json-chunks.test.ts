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
});
