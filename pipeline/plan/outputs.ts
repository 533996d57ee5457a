/**
 * Turns a finished plan run into the three outputs: plan.json, changes.diff and pr.md. Built
 * fully in memory and validated before anything is written (all-or-nothing).
 */
import { getValidator, describeAjvError } from '../core/json-schema.js';
import { tidemarkVersion } from '../core/version.js';
import type { PipelineConfig } from '../config/types.js';
import type { FileEdit } from '../render/types.js';
import { renderPrBody } from '../render/pr-body/pr-body.js';
import { buildPlanDocument, type PlanDocument } from './plan-document.js';
import { prettyJsonChunks } from '../core/json-chunks.js';
import type { OutputContent } from '../core/output-dir.js';
import type { PlanRun } from './run.js';

export const PLAN_SCHEMA = 'https://tidemark.io/schemas/plan.json';

export interface PlanOutputs {
  run: PlanRun;
  doc: PlanDocument;
  edits: FileEdit[];
  diff: string;
  prBody: string;
  files: Record<string, OutputContent>;
}

export { tidemarkVersion };

export function buildOutputs(
  run: PlanRun,
  config: PipelineConfig,
  opts: { now: Date; unifiedDiff: (edits: FileEdit[]) => string },
): PlanOutputs {
  const doc = buildPlanDocument(run, config, tidemarkVersion(), opts.now);
  const validate = getValidator(PLAN_SCHEMA);
  if (!validate(doc)) {
    const e = validate.errors?.[0];
    // Our own output failing our schema is a bug, not user error.
    throw new Error(
      `internal: plan.json does not match its schema: ${e ? `${describeAjvError(e).field} ${describeAjvError(e).message}` : ''}`,
    );
  }
  const edits = run.clusters.flatMap((c) => c.render.edits);
  const diff = opts.unifiedDiff(edits);
  const prBody = renderPrBody(doc, doc.clusters, {
    maxChars: config.output.prBodyMaxChars,
    reports: true,
  });
  return {
    run,
    doc,
    edits,
    diff,
    prBody,
    files: {
      // Pieces, not one string: plan.json is tens of MB on a big cluster.
      'plan.json': {
        *[Symbol.iterator]() {
          yield* prettyJsonChunks(doc);
          yield '\n';
        },
      },
      'changes.diff': diff,
      'pr.md': prBody,
    },
  };
}
