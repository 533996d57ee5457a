import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './errors.js';
import { OUTPUT_MARKER, outputDir, writeOutputFiles } from './output-dir.js';

describe('core/output-dir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'tidemark-out-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
  const refusal = (fn: () => unknown): ConfigError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error('not refused');
  };

  it('writes into a missing directory and marks it with what wrote each file', () => {
    const out = join(root, 'a', 'out');
    const pieces = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`);
    writeOutputFiles(out, { 'plan.json': pieces, 'pr.md': '# body\n' }, 'plan');
    expect(readFileSync(join(out, 'plan.json'), 'utf8')).toBe(pieces.join(''));
    expect(readFileSync(join(out, 'pr.md'), 'utf8')).toBe('# body\n');
    expect(tree(out)).toEqual([OUTPUT_MARKER, 'plan.json', 'pr.md']);
    expect(JSON.parse(readFileSync(join(out, OUTPUT_MARKER), 'utf8'))).toMatchObject({
      writtenBy: 'tidemark',
      command: 'plan',
      files: ['plan.json', 'pr.md'],
    });
  });

  it('writes into an empty directory, keeping the directory itself', () => {
    const out = join(root, 'empty');
    mkdirSync(out);
    writeOutputFiles(out, { 'x.yaml': 'a: 1\n' }, 'snapshot');
    expect(tree(out)).toEqual([OUTPUT_MARKER, 'x.yaml']);
  });

  it('replaces a previous output of ours as a whole: no stale file of the earlier run stays', () => {
    const out = join(root, 'snap');
    writeOutputFiles(out, { 'pods.yaml': 'old', 'nodes.yaml': 'old', 'sub/deep.txt': 'old' }, 'snapshot');
    writeOutputFiles(out, { 'pods.yaml': 'new', 'tidemark-snapshot.yaml': 'm' }, 'snapshot');
    expect(tree(out)).toEqual([OUTPUT_MARKER, 'pods.yaml', 'tidemark-snapshot.yaml']);
    expect(readFileSync(join(out, 'pods.yaml'), 'utf8')).toBe('new');
  });

  it("refuses a directory holding a stranger's file and a .git, naming them, and deletes nothing", () => {
    const out = join(root, 'checkout');
    mkdirSync(join(out, '.git'), { recursive: true });
    writeFileSync(join(out, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const before = tree(out);
    const err = refusal(() => writeOutputFiles(out, { 'plan.json': '{}' }, 'plan'));
    expect(err.message).toBe(
      `${out}: --out: holds files Tidemark did not write (.git/, notes.txt); refusing to write plan's ` +
        `output there. Tidemark writes only into a missing or empty directory, or one holding its own ` +
        `previous output (marked by .tidemark-output). Choose another --out`,
    );
    expect(tree(out)).toEqual(before);
    expect(refusal(() => outputDir(out, 'snapshot')).message).toMatch(/\(\.git\/, notes\.txt\)/);
  });

  it('refuses our own output once someone else added a file to it, even inside a folder we wrote', () => {
    const out = join(root, 'out');
    writeOutputFiles(out, { 'plan.json': '{}', 'charts/a.svg': '<svg/>' }, 'plan');
    writeFileSync(join(out, 'review-notes.md'), 'mine');
    writeFileSync(join(out, 'charts', 'b.svg'), 'mine too');
    const err = refusal(() => writeOutputFiles(out, { 'plan.json': '{"new":1}' }, 'plan'));
    expect(err.message).toMatch(/\(charts\/b\.svg, review-notes\.md\)/);
    expect(readFileSync(join(out, 'plan.json'), 'utf8')).toBe('{}');
    expect(readFileSync(join(out, 'review-notes.md'), 'utf8')).toBe('mine');
  });

  it('does not take an unreadable marker, or one listing paths outside the directory, for ours', () => {
    const out = join(root, 'fake');
    mkdirSync(out);
    writeFileSync(join(out, OUTPUT_MARKER), 'hello');
    writeFileSync(join(out, 'data.csv'), '1,2');
    expect(refusal(() => outputDir(out, 'plan')).message).toMatch(
      /\(\.tidemark-output \(not one Tidemark wrote\), data\.csv\)/,
    );
    writeFileSync(join(out, OUTPUT_MARKER), JSON.stringify({ writtenBy: 'tidemark', files: ['../x'] }));
    expect(refusal(() => outputDir(out, 'plan')).message).toMatch(/not one Tidemark wrote/);
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'data.csv']);
  });

  it('lists at most five strangers, and says how many more', () => {
    const out = join(root, 'many');
    mkdirSync(out);
    for (let i = 0; i < 8; i++) writeFileSync(join(out, `f${i}`), '');
    expect(refusal(() => outputDir(out, 'plan')).message).toMatch(/\(f0, f1, f2, f3, f4, and 3 more\)/);
  });

  it('refuses "-" (stdout) and a file in place of the directory', () => {
    expect(refusal(() => outputDir('-', 'snapshot')).message).toBe(
      '--out: "-" is not a directory: snapshot writes several files, so it cannot write them to stdout; give a directory',
    );
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
    const file = join(root, 'plan.json');
    writeFileSync(file, 'mine');
    expect(refusal(() => outputDir(file, 'plan')).message).toMatch(/plan\.json: --out: is not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('mine');
  });

  it('replaces nothing when a piece fails half-way, and leaves no staging behind', () => {
    const out = join(root, 'out');
    writeOutputFiles(out, { 'plan.json': '{"old":true}\n' }, 'plan');
    function* failing(): Generator<string> {
      yield '{"new":';
      throw new Error('serialisation failed');
    }
    expect(() => writeOutputFiles(out, { 'pr.md': 'new body', 'plan.json': failing() }, 'plan')).toThrow(
      /serialisation failed/,
    );
    expect(readFileSync(join(out, 'plan.json'), 'utf8')).toBe('{"old":true}\n');
    expect(tree(out)).toEqual([OUTPUT_MARKER, 'plan.json']);
    expect(readdirSync(root)).toEqual(['out']);
    // A directory that did not exist before a failed write does not exist after it.
    const fresh = join(root, 'fresh');
    expect(() => writeOutputFiles(fresh, { 'plan.json': failing() }, 'plan')).toThrow(/serialisation/);
    expect(existsSync(fresh)).toBe(false);
  });

  it("tolerates and clears a crashed run's staging, but not a live run's", () => {
    const out = join(root, 'out');
    writeOutputFiles(out, { 'a.txt': '1' }, 'plan');
    // pid 2^22+1 is above Linux's pid_max ceiling: no such process can be alive.
    mkdirSync(join(out, '.tidemark-staging-4194305-1'));
    mkdirSync(join(out, `.tidemark-staging-${process.ppid}-1`));
    writeOutputFiles(out, { 'a.txt': '2' }, 'plan');
    expect(tree(out)).toEqual([OUTPUT_MARKER, `.tidemark-staging-${process.ppid}-1`, 'a.txt']);
  });
});
