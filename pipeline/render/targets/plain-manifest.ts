/** A workload document in a plain (single- or multi-document) manifest: edited in place. */
import { applyEdits, parseYamlFile } from '../edit/yaml-editor.js';
import { documentData } from '../edit/parse-cache.js';
import type { RepoIndex } from '../locate/repo-index.js';
import { dataAt, type Target } from './target.js';

export function plainManifestTarget(index: RepoIndex, file: string, docIndex: number): Target {
  return {
    gitValue(path) {
      const doc = parseYamlFile(index.read(file))[docIndex];
      return dataAt(doc ? documentData(doc) : undefined, path);
    },
    apply(edits) {
      index.write(file, applyEdits(index.read(file), docIndex, edits));
      return [file];
    },
  };
}
