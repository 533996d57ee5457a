/**
 * Loads policy files (policies/<id>/<id>.yaml, or any *.yaml directly in the directory). Every
 * file is validated against schemas/tidemark/policy.schema.json before anything runs, and all
 * problems across all files are reported at once, each with its file and field.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError, AggregateConfigError } from '../core/errors.js';
import { validateOrThrow } from '../core/json-schema.js';
import { parseDuration } from '../core/duration.js';
import { parseQuantity } from '../core/quantity.js';
import type { PolicyDoc, PolicySet } from './types.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const POLICY_SCHEMA = 'https://tidemark.io/schemas/policy.json';

export function policyFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      const own = ['yaml', 'yml'].map((e) => join(p, `${name}.${e}`)).find((f) => existsSync(f));
      if (own) out.push(own);
    } else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

export function loadPolicies(dir: string): PolicySet {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new ConfigError('policies directory not found', { file: dir });
  const problems: ConfigError[] = [];
  const policies: PolicyDoc[] = [];
  const names = new Map<string, string>();
  for (const file of policyFiles(dir)) {
    const rel = relative(dir, file);
    try {
      const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
      if (doc.errors.length)
        throw new ConfigError(`malformed YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { file: rel });
      const data = doc.toJS() as Record<string, never>;
      validateOrThrow(POLICY_SCHEMA, data, {
        file: rel,
        object: `Policy ${(data as { metadata?: { name?: string } })?.metadata?.name ?? '?'}`,
      });
      const p = toPolicy(data, rel);
      const folder = basename(join(file, '..'));
      if (rel.includes('/') && folder !== p.name) {
        throw new ConfigError(`policy name "${p.name}" must match its folder "${folder}"`, {
          file: rel,
          object: `Policy ${p.name}`,
          field: 'metadata.name',
        });
      }
      if (names.has(p.name))
        throw new ConfigError(`policy "${p.name}" is also defined in ${names.get(p.name)}`, {
          file: rel,
          field: 'metadata.name',
        });
      names.set(p.name, rel);
      policies.push(p);
    } catch (err) {
      if (err instanceof AggregateConfigError) problems.push(...err.problems);
      else if (err instanceof ConfigError) problems.push(err);
      else throw err;
    }
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new AggregateConfigError(problems);
  return { dir, policies };
}

function toPolicy(data: Record<string, any>, file: string): PolicyDoc {
  const spec = data.spec ?? {};
  const object = `Policy ${data.metadata.name}`;
  const rules = spec.rules ?? {};
  // Values the schema cannot fully check: durations and quantities must parse.
  const check = (fn: () => unknown, field: string): void => {
    try {
      fn();
    } catch (err) {
      throw new ConfigError((err as Error).message, { file, object, field });
    }
  };
  if (rules.minHistory?.duration)
    check(() => parseDuration(rules.minHistory.duration), 'spec.rules.minHistory.duration');
  if (rules.minHistory?.toLower)
    check(() => parseDuration(rules.minHistory.toLower), 'spec.rules.minHistory.toLower');
  if (rules.maxDecrease?.per) check(() => parseDuration(rules.maxDecrease.per), 'spec.rules.maxDecrease.per');
  if (typeof rules.minChange === 'object' && rules.minChange?.holdDecreases)
    check(() => parseDuration(rules.minChange.holdDecreases), 'spec.rules.minChange.holdDecreases');
  if (rules.afterRevert?.holdDecreases)
    check(() => parseDuration(rules.afterRevert.holdDecreases), 'spec.rules.afterRevert.holdDecreases');
  for (const r of ['cpu', 'memory'] as const) {
    for (const b of ['min', 'max'] as const) {
      const v = rules.resources?.[r]?.[b];
      if (v !== undefined) check(() => parseQuantity(v), `spec.rules.resources.${r}.${b}`);
    }
    const min = rules.resources?.[r]?.min;
    const max = rules.resources?.[r]?.max;
    if (min !== undefined && max !== undefined && parseQuantity(min) > parseQuantity(max)) {
      throw new ConfigError(`min (${min}) is above max (${max})`, {
        file,
        object,
        field: `spec.rules.resources.${r}`,
      });
    }
  }
  return {
    name: data.metadata.name,
    file,
    title: data.metadata.annotations?.['tidemark.io/title'],
    priority: spec.priority ?? 0,
    selector: spec.selector ?? {},
    analyzers: spec.analyzers,
    exclude: spec.exclude,
    settings: spec.settings ?? {},
    rules,
  };
}
