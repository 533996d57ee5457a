/**
 * `tidemark demo` removes its ~270 MB workspace after a good run, keeps it with --keep, and keeps
 * it after a failure, saying where it is. Real `tidemark demo` processes, with TMPDIR a directory
 * of the test's own, so what is left behind can be counted.
 */
import { spawn } from 'node:child_process';
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
import { packageRoot } from '../../core/json-schema.js';
import { OUTPUT_MARKER, writeOutputFiles } from '../../core/output-dir.js';
import { allowSlowTests } from '../../testing/slow.js';

allowSlowTests();

describe('cli/commands/demo', () => {
  let root: string;
  let temp: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tidemark-demo-cmd-'));
    temp = join(root, 'tmp');
    mkdirSync(temp);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const workspaces = (): string[] => readdirSync(temp).filter((n) => n.startsWith('tidemark-demo-'));

  /** `tidemark demo …` as a process; `during` runs once its workspace exists. */
  function demo(
    args: string[],
    during?: (workspace: string) => void,
  ): Promise<{ code: number | null; out: string; err: string }> {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(packageRoot(), 'pipeline', 'cli', 'main.ts'),
        '--log-format',
        'json',
        'demo',
        ...args,
      ],
      { cwd: packageRoot(), env: { PATH: process.env.PATH, TMPDIR: temp, NODE_OPTIONS: '' } },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const poll =
      during &&
      setInterval(() => {
        const [ws] = workspaces();
        if (!ws) return;
        clearInterval(poll);
        during(join(temp, ws));
      }, 20);
    return new Promise((resolve) =>
      child.on('exit', (code) => {
        if (poll) clearInterval(poll);
        resolve({ code, out, err });
      }),
    );
  }

  it('removes its workspace after a good run, and --out replaces an earlier output of ours', async () => {
    const out = join(root, 'out');
    writeOutputFiles(out, { 'plan.json': '{}', 'stale.md': 'an older output' }, 'plan');
    let seen = '';
    const r = await demo(['--out', out], (ws) => (seen = ws));
    expect(r.code).toBe(0);
    expect(seen).not.toBe('');
    expect(r.out).toContain(`workspace ${seen} removed (--keep keeps it)\n`);
    expect(workspaces()).toEqual([]);
    expect(readdirSync(out).sort()).toEqual([
      OUTPUT_MARKER,
      'changes.diff',
      'plan.json',
      'pr',
      'pr.md',
      'report.html',
    ]);
    expect(JSON.parse(readFileSync(join(out, 'plan.json'), 'utf8')).kind).toBe('Plan');
    expect(r.out).toContain(`wrote ${out}/plan.json, changes.diff, pr.md, pr/, report.html\n`);
    // The table, to a pipe with no COLUMNS: 120 columns at most, no colour, namespaces and totals.
    const table = r.out.slice(0, r.out.indexOf('\ndiff --git'));
    expect(table).toMatch(/^cluster demo: \d+ change\(s\)/);
    expect(Math.max(...table.split('\n').map((l) => [...l].length))).toBeLessThanOrEqual(120);
    expect(table).not.toContain('\x1b[');
    expect(table).toMatch(/^NAMESPACE +WORKLOADS +CHANGES/m);
    expect(table).toMatch(/^total +\d+/m);
  });

  it('keeps the workspace with --keep, outputs inside it', async () => {
    const r = await demo(['--keep']);
    expect(r.code).toBe(0);
    const [name] = workspaces();
    const ws = join(temp, name!);
    expect(r.out).toContain(`workspace ${ws} (repo: ${join(ws, 'gitops')}) kept\n`);
    expect(readdirSync(ws).sort()).toEqual(['cluster', 'gitops', 'metrics.om', 'out', 'tidemark.yaml']);
    expect(existsSync(join(ws, 'out', 'plan.json'))).toBe(true);
    rmSync(ws, { recursive: true, force: true });
  });

  it('keeps the workspace after a failure and says where it is', async () => {
    // A real failure late in the run: once the workspace exists (the output directory was
    // checked before it), someone puts a file into the output directory, so writing is refused.
    const out = join(root, 'out-late');
    const r = await demo(['--out', out], () => {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'late.txt'), 'not ours');
    });
    expect(r.code).toBe(2);
    const [name] = workspaces();
    const ws = join(temp, name!);
    const records = r.err
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: 'demo failed; its workspace is kept', workspace: ws }),
    );
    expect(records[records.length - 1]).toMatchObject({
      msg: expect.stringContaining(`${out}: --out: holds files Tidemark did not write (late.txt)`),
      exitCode: 2,
    });
    expect(existsSync(join(ws, 'metrics.om'))).toBe(true);
    expect(readdirSync(out)).toEqual(['late.txt']);
    rmSync(ws, { recursive: true, force: true });
  });
});
