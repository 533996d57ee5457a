import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutputFiles } from './output-dir.js';

describe('core/output-dir', () => {
  const dir = () => join(mkdtempSync(join(tmpdir(), 'tidemark-out-')), 'out');

  it('writes text and text in pieces, keeping files it does not own', () => {
    const out = dir();
    writeOutputFiles(out, { 'keep.txt': 'old' });
    writeFileSync(join(out, 'mine.txt'), 'a user file');
    const pieces = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`);
    writeOutputFiles(out, { 'plan.json': pieces, 'pr.md': '# body\n' });
    expect(readFileSync(join(out, 'plan.json'), 'utf8')).toBe(pieces.join(''));
    expect(readFileSync(join(out, 'pr.md'), 'utf8')).toBe('# body\n');
    expect(readFileSync(join(out, 'mine.txt'), 'utf8')).toBe('a user file');
    expect(readFileSync(join(out, 'keep.txt'), 'utf8')).toBe('old');
  });

  it('replaces nothing when a piece fails half-way', () => {
    const out = dir();
    writeOutputFiles(out, { 'plan.json': '{"old":true}\n' });
    function* failing(): Generator<string> {
      yield '{"new":';
      throw new Error('serialisation failed');
    }
    expect(() => writeOutputFiles(out, { 'pr.md': 'new body', 'plan.json': failing() })).toThrow(
      /serialisation failed/,
    );
    expect(readFileSync(join(out, 'plan.json'), 'utf8')).toBe('{"old":true}\n');
    expect(readdirSync(out)).toEqual(['plan.json']);
    expect(readdirSync(join(out, '..')).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
