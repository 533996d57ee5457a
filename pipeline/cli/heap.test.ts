import { DEFAULT_HEAP_GROWING_PERCENT, tuneHeapGrowth } from './heap.js';

describe('cli/heap', () => {
  it('uses 50 % by default, the environment when set, and 0 to leave V8 alone', () => {
    expect(tuneHeapGrowth({})).toBe(DEFAULT_HEAP_GROWING_PERCENT);
    expect(tuneHeapGrowth({ TIDEMARK_HEAP_GROWING_PERCENT: '50' })).toBe(50);
    expect(tuneHeapGrowth({ TIDEMARK_HEAP_GROWING_PERCENT: '0' })).toBe(0);
  });

  it('refuses a value that is not a percentage, naming the variable', () => {
    expect(() => tuneHeapGrowth({ TIDEMARK_HEAP_GROWING_PERCENT: 'lots' })).toThrow(
      /TIDEMARK_HEAP_GROWING_PERCENT/,
    );
    expect(() => tuneHeapGrowth({ TIDEMARK_HEAP_GROWING_PERCENT: '-5' })).toThrow(/0 to 1000/);
  });
});
