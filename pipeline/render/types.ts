/**
 * Render contract: WorkloadChanges in, byte-minimal file edits out. A file is only ever edited
 * when re-parsing proves the new values landed and nothing else moved; otherwise the workload
 * is skipped with a reason and the file is left alone.
 */
import type { Skipped } from '../analyze/types.js';
import type { WorkloadKey } from '../model/types.js';

export interface FileEdit {
  /** Path relative to the repository root, with forward slashes. */
  path: string;
  /** Original content, or null for a new file. */
  before: string | null;
  after: string;
  workloads: WorkloadKey[];
}

/** Where a workload's manifest lives and how it is produced. */
export interface SourceLocation {
  workload: WorkloadKey;
  flavour: 'plain-manifest' | 'kustomize' | 'helm-values';
  /** The file holding the workload document (plain, kustomize base) or the values file (helm). */
  file: string;
  /** For kustomize: the overlay directory that builds this cluster's version. */
  overlay?: string;
  /** How we found it: "argocd:app-name", "flux:flux-system/apps", "search". */
  via: string;
}

export interface RenderResult {
  edits: FileEdit[];
  locations: Map<WorkloadKey, SourceLocation>;
  /** Workloads whose change could not be rendered, with why. */
  skipped: Skipped[];
  /** Workloads rendered, with the files each one touched. */
  rendered: Map<WorkloadKey, string[]>;
  /** Per workload: the GitOps engine rules added so a controller's fields are not reverted. */
  handOverNotes: Map<WorkloadKey, string[]>;
}
