/**
 * The report's inputs on disk: plan.json files (given one by one, or folders searched for them,
 * e.g. a fleet's downloaded artifacts: one folder per cluster and run), each validated against the
 * plan schema, and the pulls.json `tidemark run` writes beside a plan (its open pull requests).
 * A file that is not a plan stops the report with its name and the field (exit 2).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { validateOrThrow } from '../../core/json-schema.js';
import type { PlanDocument } from '../../plan/plan-document.js';

export const PLAN_FILE = 'plan.json';
export const PULLS_FILE = 'pulls.json';
export const PULLS_SCHEMA = 'https://tidemark.io/schemas/pulls.json';

export interface PullsFile {
  apiVersion: 'tidemark.io/v1alpha1';
  kind: 'Pulls';
  generatedAt: string;
  pulls: {
    cluster: string;
    number: number;
    url: string;
    title?: string;
    branch: string;
    workloads: string[];
  }[];
}

export interface PlanInput {
  file: string;
  doc: PlanDocument;
  pulls?: PullsFile;
}

/** Every plan.json the paths name: a file as given, a folder searched below (sorted, no duplicates). */
export function findPlanFiles(paths: string[]): string[] {
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new ConfigError('no such file or folder', { file: abs, field: 'plans' });
    if (statSync(abs).isFile()) out.add(abs);
    else for (const f of walk(abs)) out.add(f);
  }
  if (!out.size)
    throw new ConfigError(`no ${PLAN_FILE} found under ${paths.join(', ')}`, {
      file: resolve(paths[0] ?? '.'),
      field: 'plans',
    });
  return [...out].sort();
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === '.git') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (e.isFile() && e.name === PLAN_FILE) out.push(p);
  }
  return out;
}

export function readPlans(paths: string[]): PlanInput[] {
  return findPlanFiles(paths).map((file) => {
    const doc = readJson(file) as PlanDocument;
    validateOrThrow('https://tidemark.io/schemas/plan.json', doc, { file, object: 'Plan' });
    const pullsFile = join(dirname(file), PULLS_FILE);
    let pulls: PullsFile | undefined;
    if (existsSync(pullsFile)) {
      pulls = readJson(pullsFile) as PullsFile;
      validateOrThrow(PULLS_SCHEMA, pulls, { file: pullsFile, object: 'Pulls' });
    }
    return { file, doc, ...(pulls ? { pulls } : {}) };
  });
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read: ${(err as Error).message}`, { file }, { cause: err });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConfigError(`not JSON: ${(err as Error).message}`, { file }, { cause: err });
  }
}
