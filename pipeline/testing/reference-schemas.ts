/**
 * Upstream JSON Schemas (yannh strict Kubernetes schemas, CRD openAPIV3Schemas) gathered in the
 * team's shared reference folder. They are upstream data, not copied into the project: tests read
 * them from TIDEMARK_REFERENCE_SCHEMAS or ../shared/reference/schemas beside the checkout. Which
 * folder (if any) is decided once per run, as the `schemas` tier (tiers.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { createAjv, packageRoot } from '../core/json-schema.js';
import { runDecision } from './tiers.js';

/** The probe (global setup only): the folder, or undefined; a wrong TIDEMARK_REFERENCE_SCHEMAS is an error. */
export function findReferenceSchemaDir(): string | undefined {
  const candidates = [
    process.env.TIDEMARK_REFERENCE_SCHEMAS,
    resolve(packageRoot(), '..', 'shared', 'reference', 'schemas'),
  ].filter((x): x is string => !!x);
  const found = candidates.find((d) => existsSync(join(d, 'autoscaling_HorizontalPodAutoscaler_v2.json')));
  if (!found && process.env.TIDEMARK_REFERENCE_SCHEMAS)
    throw new Error(
      `TIDEMARK_REFERENCE_SCHEMAS=${process.env.TIDEMARK_REFERENCE_SCHEMAS} holds no upstream schemas`,
    );
  return found;
}

/** The run's schema folder, or undefined when the `schemas` tier is skipped (the run's last line says so). */
export function referenceSchemaDir(): string | undefined {
  const t = runDecision().tiers.schemas;
  return t.ok ? t.detail : undefined;
}

const cache = new Map<string, ValidateFunction>();

/** A validator for one upstream schema file, or undefined when the `schemas` tier is skipped. */
export function referenceValidator(file: string): ValidateFunction | undefined {
  const dir = referenceSchemaDir();
  if (!dir) return undefined;
  let v = cache.get(file);
  if (!v) {
    const schema = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    delete schema.$id;
    delete schema.id;
    v = createAjv({ strict: false }).compile(schema);
    cache.set(file, v);
  }
  return v;
}
