/** A workload document in a plain (single- or multi-document) manifest: edited in place. */
import { applyEdits, parseYamlFile } from '../edit/yaml-editor.js';
import { documentData } from '../edit/parse-cache.js';
import type { RepoIndex } from '../locate/repo-index.js';
import { dataAt, type Target } from './target.js';

export function plainManifestTarget(index: RepoIndex, file: string, docIndex: number): Target {
  return {
    gitValue(path) {
      // The index already holds every document's data from locating the workload; parsing the
      // file again here was a quarter of render's time on a repository of many-workload files.
      const indexed = index.docs(file);
      const ref = Array.isArray(indexed) ? indexed.find((d) => d.index === docIndex) : undefined;
      if (ref) return dataAt(ref.data, path);
      const doc = parseYamlFile(index.read(file))[docIndex];
      return dataAt(doc ? documentData(doc) : undefined, path);
    },
    apply(edits) {
      index.write(file, applyEdits(index.read(file), docIndex, edits));
      return [file];
    },
  };
}
