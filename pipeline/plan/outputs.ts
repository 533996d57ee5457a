/**
 * Turns a finished plan run into its outputs: plan.json, changes.diff, one file per pull request
 * (`pr/<cluster>/<group>.md`, the body `tidemark run` sends, byte for byte) and pr.md (the list of
 * those pull requests). Validated before anything is written (all-or-nothing).
 */
import { getValidator, describeAjvError } from '../core/json-schema.js';
import { tidemarkVersion } from '../core/version.js';
import type { PipelineConfig } from '../config/types.js';
import type { FileEdit } from '../render/types.js';
import { plannedPulls, pullIndex, type PlannedPull } from '../publish/preview.js';
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
  /** The pull requests `tidemark run` would open, in its order. */
  pulls: PlannedPull[];
  /** pr.md */
  prIndex: string;
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
  const pulls = plannedPulls(run.clusters, doc, config);
  const prIndex = pullIndex(pulls, doc);
  return {
    run,
    doc,
    edits,
    diff,
    pulls,
    prIndex,
    files: {
      // Pieces, not one string: plan.json is tens of MB on a big cluster.
      'plan.json': {
        *[Symbol.iterator]() {
          yield* prettyJsonChunks(doc);
          yield '\n';
        },
      },
      'changes.diff': diff,
      'pr.md': prIndex,
      // Composed as each is written: a big plan has thousands.
      ...Object.fromEntries(
        pulls.map((p) => [
          p.file,
          {
            *[Symbol.iterator]() {
              yield p.body();
            },
          },
        ]),
      ),
    },
  };
}
