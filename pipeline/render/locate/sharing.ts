/**
 * Who else builds a folder. A new object (an HPA, a CronHPA…) may only go where this cluster alone
 * sees it; a folder that another cluster's Argo CD Application or Flux Kustomization syncs, or that
 * another kustomization uses as a base, would carry it into clusters it was never computed for.
 */
import { posix } from 'node:path';
import type { RepoIndex } from './repo-index.js';
import { normalize } from './repo-index.js';
import type { GitOpsEngines } from './gitops-engines.js';
import { KUSTOMIZATION_FILES, isRemote, kustomizationIn } from './kustomize.js';

interface Builder {
  /** For the skip detail: "Argo CD Application shop-prod (argocd/prod.yaml)". */
  label: string;
  /** Engine key (EngineBuild.key) for engine documents; undefined for a plain kustomization. */
  engineKey?: string;
  /** The kustomization directory, for plain kustomizations. */
  dir?: string;
  /** Folders whose content the builder takes in (whole folders, or single files from them). */
  reach: Set<string>;
}

export class FolderSharing {
  private builders?: Builder[];

  constructor(
    private readonly index: RepoIndex,
    private readonly engines: GitOpsEngines,
    /** The cluster's own folder (repo.root); '' when the config names none. */
    private readonly clusterRoot: string,
  ) {}

  /**
   * The builders other than this cluster's own engine document that take in `dir`, in words; empty
   * when only this cluster builds it. Without a known own engine (a workload found by search), one
   * engine document building the folder is taken to be this cluster's.
   */
  othersBuilding(dir: string, ownKey: string | undefined, ownDirs: string[] = []): string[] {
    const target = normalize(dir);
    const all = (this.builders ??= this.collect());
    const own = ownKey ? all.find((b) => b.engineKey === ownKey) : undefined;
    const engines = all.filter((b) => b.engineKey && b.reach.has(target));
    const otherEngines = ownKey
      ? engines.filter((b) => b.engineKey !== ownKey)
      : engines.length > 1
        ? engines
        : [];
    const kustomizations = all.filter(
      (b) =>
        b.dir !== undefined &&
        b.dir !== target &&
        !ownDirs.includes(b.dir) &&
        b.reach.has(target) &&
        // A kustomization inside this cluster's own folder tree (its engine's, or the cluster's
        // root, e.g. an aggregating clusters/demo/kustomization.yaml) is this cluster's.
        !own?.reach.has(b.dir) &&
        !(this.clusterRoot && (b.dir === this.clusterRoot || isUnder(b.dir, this.clusterRoot))) &&
        !isUnder(b.dir, target),
    );
    return [...new Set([...otherEngines, ...kustomizations].map((b) => b.label))];
  }

  /**
   * Who else builds the folder of a file this cluster's build takes in (`ownDirs`: the
   * kustomizations of this cluster's chain). Empty means the file can be edited in place.
   */
  othersBuildingFile(file: string, ownKey: string | undefined, ownDirs: string[]): string[] {
    return this.othersBuilding(dirOf(normalize(file)), ownKey, ownDirs);
  }

  private collect(): Builder[] {
    const out: Builder[] = [];
    for (const e of this.engines.builds()) {
      if (!this.index.isDir(e.path)) continue;
      out.push({
        label: `${e.engine === 'argocd' ? 'Argo CD Application' : 'Flux Kustomization'} ${e.key.replace(/^[a-z]+:/, '')} (${e.file}, path ${e.path || '.'})`,
        engineKey: e.key,
        reach: this.reach(e.path, e.recurse),
      });
    }
    const dirs = new Set<string>();
    for (const f of this.index.yamlFiles(''))
      if (KUSTOMIZATION_FILES.includes(posix.basename(f))) dirs.add(dirOf(f));
    for (const d of dirs) {
      const reach = this.reach(d, false);
      reach.delete(d);
      if (reach.size) out.push({ label: `the kustomization in ${d || '.'}/`, dir: d, reach });
    }
    return out;
  }

  /**
   * Folders a build starting at `dir` takes content from: kustomize directory entries followed
   * down, the folder of every single file it lists, and for a recursive plain directory (Flux
   * always, Argo CD with directory.recurse) every folder below it.
   */
  private reach(dir: string, recurse: boolean, seen = new Set<string>()): Set<string> {
    const d = normalize(dir);
    if (seen.has(d)) return seen;
    seen.add(d);
    const k = kustomizationIn(this.index, d);
    if (k) {
      const entries = [...(k.data.resources ?? []), ...(k.data.bases ?? []), ...(k.data.components ?? [])];
      for (const entry of entries) {
        if (typeof entry !== 'string' || isRemote(entry)) continue;
        const rel = normalize(posix.join(d, entry));
        if (this.index.isDir(rel)) this.reach(rel, false, seen);
        else if (this.index.exists(rel)) seen.add(dirOf(rel));
      }
      return seen;
    }
    if (recurse)
      for (const f of this.index.yamlFiles(d)) {
        const sub = dirOf(f);
        if (!seen.has(sub)) this.reach(sub, false, seen);
      }
    return seen;
  }
}

function dirOf(file: string): string {
  const d = posix.dirname(file);
  return d === '.' ? '' : d;
}

function isUnder(dir: string, parent: string): boolean {
  return parent === '' || dir.startsWith(`${parent}/`);
}
