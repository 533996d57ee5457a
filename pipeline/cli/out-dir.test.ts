/**
 * Every command that writes files, through the CLI on a real filesystem: a directory holding a
 * stranger's file and a `.git` is refused with exit 2 and a message naming them, before any work,
 * and nothing in it changes; `--out -` is refused; an earlier output of ours is replaced whole.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from './main.js';
import { createMemoryLogger } from '../core/logger.js';
import { OUTPUT_MARKER, writeOutputFiles } from '../core/output-dir.js';
import { readSnapshot } from '../collect/snapshot/index.js';
import { writeWalkthroughSetup } from '../testing/readme-walkthrough.js';

interface Ran {
  code: number;
  out: string;
  /** The final error line (JSON: the memory logger makes the log format JSON). */
  error?: { msg: string; exitCode: number };
  logs: string[];
}

async function run(args: string[]): Promise<Ran> {
  let out = '';
  const chunks: string[] = [];
  const logger = createMemoryLogger('info');
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as { write: unknown }).write = (c: string): boolean => (chunks.push(String(c)), true);
  try {
    const code = await main(args, { stdout: (t) => (out += t), logger });
    const last = chunks.join('').trim().split('\n').pop();
    return { code, out, error: last ? JSON.parse(last) : undefined, logs: logger.lines };
  } finally {
    (process.stderr as { write: unknown }).write = orig;
  }
}

/** Every entry below dir with its content: what "nothing changed" compares. */
function contents(dir: string): Record<string, string> {
  const all: Record<string, string> = {};
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort()) {
    const p = join(dir, rel);
    all[rel] = statSync(p).isDirectory() ? '<dir>' : readFileSync(p, 'utf8');
  }
  return all;
}

describe('cli: output directories', () => {
  let home: string;
  let config: string;
  let stranger: string;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'tidemark-cli-out-'));
    ({ config } = await writeWalkthroughSetup(home));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  beforeEach(() => {
    // Someone's checkout: a .git and a file of theirs.
    stranger = mkdtempSync(join(home, 'checkout-'));
    mkdirSync(join(stranger, '.git', 'refs'), { recursive: true });
    writeFileSync(join(stranger, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(stranger, 'notes.txt'), 'mine\n');
  });

  const commands: [string, (out: string) => string[]][] = [
    ['plan', (out) => ['plan', '--config', config, '--out', out]],
    ['apply', (out) => ['apply', '--config', config, '--branch', 'tidemark/x', '--out', out]],
    ['run', (out) => ['run', '--config', config, '--out', out]],
    ['snapshot', (out) => ['snapshot', '--config', config, '--cluster', 'prod', '--out', out]],
    ['demo', (out) => ['demo', '--out', out]],
    // Refused before its plans are read: the folder named need not exist.
    ['report', (out) => ['report', join(home, 'plans'), '--out', out]],
  ];

  it.each(commands)(
    "%s refuses a directory with a stranger's file and a .git, and touches nothing",
    async (cmd, args) => {
      const before = contents(stranger);
      const r = await run(args(stranger));
      expect(r.code).toBe(2);
      expect(r.error).toMatchObject({
        exitCode: 2,
        msg:
          `${stranger}: --out: holds files Tidemark did not write (.git/, notes.txt); refusing to write ` +
          `${cmd}'s output there. Tidemark writes only into a missing or empty directory, or one holding ` +
          `its own previous output (marked by .tidemark-output). Choose another --out`,
      });
      expect(contents(stranger)).toEqual(before);
      // Refused before any work: no cluster was read.
      expect(r.logs.join('\n')).not.toMatch(/cluster state read/);
    },
  );

  it.each(commands)('%s refuses `--out -` and creates no directory named "-"', async (cmd, args) => {
    const r = await run(args('-'));
    expect(r.code).toBe(2);
    expect(r.error?.msg).toBe(
      `--out: "-" is not a directory: ${cmd} writes several files, so it cannot write them to stdout; give a directory`,
    );
    expect(existsSync(join(process.cwd(), '-'))).toBe(false);
  });

  it('`snapshot --out .` in a checkout deletes nothing (the defect that started this)', async () => {
    const before = contents(stranger);
    const cwd = process.cwd();
    process.chdir(stranger);
    try {
      expect((await run(['snapshot', '--config', config, '--cluster', 'prod', '--out', '.'])).code).toBe(2);
    } finally {
      process.chdir(cwd);
    }
    expect(contents(stranger)).toEqual(before);
  });

  it('plan and snapshot replace an earlier output of ours as a whole', async () => {
    for (const [cmd, args, expected] of [
      ['plan', commands[0]![1], ['changes.diff', 'plan.json', 'pr.md', 'report.html']],
      [
        'snapshot',
        commands[3]![1],
        [
          'apps-deployments.yaml',
          'apps-replicasets.yaml',
          'namespaces.yaml',
          'nodes.yaml',
          'pods.yaml',
          'tidemark-snapshot.yaml',
        ],
      ],
    ] as const) {
      const out = join(home, `earlier-${cmd}`);
      writeOutputFiles(out, { 'plan.json': 'stale', 'stale.txt': 'from an earlier version' }, cmd);
      const r = await run(args(out));
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, ...expected].sort());
      expect(JSON.parse(readFileSync(join(out, OUTPUT_MARKER), 'utf8'))).toMatchObject({
        writtenBy: 'tidemark',
        command: cmd,
        files: [...expected].sort(),
      });
    }
    // The snapshot written is one the offline source reads back, marker and all.
    expect(
      readSnapshot(join(home, 'earlier-snapshot'))
        .objects.map((o) => o.kind)
        .sort(),
    ).toEqual(['Deployment', 'Namespace', 'Node', 'Pod', 'ReplicaSet']);
  });
});
