/**
 * Absurd input gets a clear answer, not a confident proposal (issue 19): through the CLI, on a
 * small workspace bent one way per case, asserting the exit code, the message and what was
 * (not) written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../cli/main.js';
import { createMemoryLogger } from '../core/logger.js';
import type { PlanDocument } from '../plan/plan-document.js';
import {
  smallWorkspace,
  type SmallWorkspace,
  type SmallWorkspaceOptions,
} from '../testing/small-workspace.js';

interface CliRun {
  code: number;
  out: string;
  err: string;
  logs: string[];
  outDir: string;
  doc?: PlanDocument;
}

const spaces: SmallWorkspace[] = [];
afterAll(() => spaces.forEach((w) => w.remove()));

async function plan(o: SmallWorkspaceOptions): Promise<CliRun> {
  const ws = await smallWorkspace(o);
  spaces.push(ws);
  const outDir = join(ws.dir, 'out');
  let out = '';
  let err = '';
  const logger = createMemoryLogger('info');
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((t: string) => ((err += t), true)) as typeof process.stderr.write;
  let code: number;
  try {
    code = await main(['plan', '--config', ws.config, '--out', outDir], {
      stdout: (t) => (out += t),
      logger,
    });
  } finally {
    process.stderr.write = write;
  }
  const file = join(outDir, 'plan.json');
  const doc = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PlanDocument) : undefined;
  return { code, out, err, logs: logger.lines, outDir, doc };
}

describe('e2e/absurd input', () => {
  describe('current values', () => {
    it.each([
      ['-1', 'a cpu quantity cannot be negative: "-1"'],
      ['lots', 'not a Kubernetes quantity: "lots"'],
    ])('a cpu request of %j is an input error naming the file and the field', async (cpu, message) => {
      const r = await plan({ request: { cpu } });
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        `tidemark: error: deployments.yaml: Deployment shop/web: spec.template.spec.containers[0].resources.requests.cpu: ${message}`,
      );
      expect(existsSync(r.outDir)).toBe(false);
    });
  });
});
