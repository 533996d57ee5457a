/**
 * The final error line of a real `tidemark` process follows the log format: one JSON object
 * when logs are JSON (by flag, by environment, or because stderr is not a terminal), the
 * `tidemark: error:` line for a human.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../core/json-schema.js';

function tidemark(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(packageRoot(), 'pipeline', 'cli', 'main.ts'), ...args],
    {
      cwd: packageRoot(),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_OPTIONS: '', ...env },
    },
  );
  if (r.error) throw r.error;
  const lines = r.stderr.trimEnd().split('\n');
  return { code: r.status, stderr: r.stderr, last: lines[lines.length - 1]! };
}

describe('cli/exit: the final error line', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tidemark-exit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one JSON object naming the error, its place and the exit code under --log-format json', () => {
    const missing = join(dir, 'missing.yaml');
    const r = tidemark(['--log-format', 'json', 'plan', '--config', missing]);
    expect(r.code).toBe(2);
    // Every line on stderr is JSON, the last one included.
    for (const line of r.stderr.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    expect(JSON.parse(r.last)).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'error',
      msg: `${missing}: config file not found`,
      error: 'config-invalid',
      file: missing,
      exitCode: 2,
    });
  });

  it('is JSON by default when stderr is not a terminal, and with TIDEMARK_LOG_FORMAT=json', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: tidemark.io/v1alpha1\nkind: [Pipeline\n');
    for (const env of [{}, { TIDEMARK_LOG_FORMAT: 'json' }]) {
      const r = tidemark(['validate', '--config', bad], env);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.last)).toMatchObject({
        level: 'error',
        msg: expect.stringMatching(/bad\.yaml: malformed YAML at line \d+/),
        exitCode: 2,
      });
    }
  });

  it('reports a usage error as JSON too, without the help text', () => {
    const r = tidemark(['--log-format', 'json', 'plan']);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([r.last]);
    expect(JSON.parse(r.last)).toMatchObject({
      level: 'error',
      msg: "required option '-c, --config <file>' not specified",
      error: 'usage',
      exitCode: 2,
    });
  });

  it('is the plain `tidemark: error:` line for a human', () => {
    const missing = join(dir, 'missing.yaml');
    const r = tidemark(['--log-format', 'human', 'plan', '--config', missing]);
    expect(r.code).toBe(2);
    expect(r.last).toBe(`tidemark: error: ${missing}: config file not found`);
  });
});
