import fc from 'fast-check';
import { ListItemSplitter } from './list-items.js';

const list = {
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: { resourceVersion: '123', items: ['not', 'these'] },
  items: [
    {
      metadata: { name: 'a', annotations: { tricky: 'a "quoted" {brace} [bracket] \\ back\\"slash' } },
      spec: { x: [1, [2], { y: [] }] },
    },
    { metadata: { name: 'ünïcødé-✓', labels: { items: '[{"not":"an item"}]' } } },
    { metadata: { name: 'c' }, status: {} },
  ],
};

function split(text: string, cuts: number[]): unknown[] {
  return splitWithMetadata(text, cuts).items;
}

function splitWithMetadata(text: string, cuts: number[]): { items: unknown[]; metadata: unknown } {
  const bytes = Buffer.from(text);
  const s = new ListItemSplitter();
  const out: unknown[] = [];
  let prev = 0;
  for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length)]
    .sort((a, b) => a - b)
    .concat(bytes.length)) {
    out.push(...s.push(bytes.subarray(prev, c)).map((t) => JSON.parse(t) as unknown));
    prev = c;
  }
  expect(s.complete()).toBe(true);
  return { items: out, metadata: s.metadata === undefined ? undefined : JSON.parse(s.metadata) };
}

describe('collect/kubernetes ListItemSplitter', () => {
  it('hands out exactly the items of the top-level "items" array, whatever the chunk boundaries', () => {
    const text = JSON.stringify(list);
    expect(split(text, [])).toEqual(list.items);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: Buffer.byteLength(text) }), { maxLength: 40 }),
        (cuts) => {
          expect(split(text, cuts)).toEqual(list.items);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps the List's own metadata (resourceVersion, continue) before or after the items", () => {
    const text = JSON.stringify(list);
    const after = JSON.stringify({ items: list.items, metadata: { continue: 'eyJ9', resourceVersion: '9' } });
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: Buffer.byteLength(text) }), { maxLength: 40 }),
        (cuts) => {
          expect(splitWithMetadata(text, cuts)).toEqual({ items: list.items, metadata: list.metadata });
          expect(splitWithMetadata(after, cuts).metadata).toEqual({ continue: 'eyJ9', resourceVersion: '9' });
        },
      ),
      { numRuns: 300 },
    );
    expect(splitWithMetadata('{"items":[]}', []).metadata).toBeUndefined();
  });

  it('works with whitespace and an empty list, and notices a truncated body', () => {
    expect(split(JSON.stringify(list, null, 2), [7, 300])).toEqual(list.items);
    expect(split('{"kind":"PodList","items":[]}', [3])).toEqual([]);
    const s = new ListItemSplitter();
    s.push(Buffer.from('{"items":[{"a":1},{"b":'));
    expect(s.complete()).toBe(false);
  });
});
