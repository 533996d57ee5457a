/**
 * Reads Kubernetes objects from YAML or JSON text exactly as `kubectl get … -o yaml|json` prints
 * them: single objects, `v1 List`s, and multi-document YAML. Every problem names the file and the
 * document (and line, for YAML syntax errors).
 */
import { parseAllDocuments } from 'yaml';
import { InputError } from '../../core/errors.js';
import type { KubeObject } from '../types.js';

export function readObjectsFromText(text: string, file: string): KubeObject[] {
  const out: KubeObject[] = [];
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  let docs: unknown[];
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      docs = [JSON.parse(trimmed)];
    } catch (err) {
      throw new InputError(`malformed JSON: ${(err as Error).message}`, { file });
    }
  } else {
    const parsed = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: false });
    if (!Array.isArray(parsed)) docs = [];
    else {
      docs = [];
      for (const [i, d] of parsed.entries()) {
        if (d.errors.length) {
          const e = d.errors[0]!;
          const pos = e.linePos?.[0];
          throw new InputError(
            `malformed YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${e.message.split('\n')[0]}`,
            {
              file,
              object: `document ${i + 1}`,
            },
          );
        }
        docs.push(d.toJS({ maxAliasCount: 100 }));
      }
    }
  }
  docs.forEach((doc, i) => collect(doc, file, `document ${i + 1}`, out));
  return out;
}

function collect(doc: unknown, file: string, where: string, out: KubeObject[]): void {
  if (doc === null || doc === undefined) return; // empty document (e.g. a trailing ---)
  if (Array.isArray(doc)) {
    doc.forEach((d, i) => collect(d, file, `${where} item ${i}`, out));
    return;
  }
  if (typeof doc !== 'object')
    throw new InputError('expected a Kubernetes object or a List', { file, object: where });
  const o = doc as Partial<KubeObject> & { items?: unknown[] };
  if (typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items)) {
    const itemKind = o.kind === 'List' ? undefined : o.kind.slice(0, -4);
    o.items.forEach((item, i) => {
      // `kubectl get deployments -o json` items may omit kind/apiVersion when printed from a typed list.
      const it = item as Partial<KubeObject>;
      if (itemKind && it && typeof it === 'object' && !it.kind) it.kind = itemKind;
      // A typed list (PodList, DeploymentList) shares its apiVersion with its items; a plain List does not.
      if (itemKind && it && typeof it === 'object' && !it.apiVersion && o.apiVersion)
        it.apiVersion = o.apiVersion;
      collect(it, file, `${where} items[${i}]`, out);
    });
    return;
  }
  if (typeof o.kind !== 'string' || !o.kind)
    throw new InputError('object has no kind', { file, object: where, field: 'kind' });
  if (typeof o.apiVersion !== 'string' || !o.apiVersion) {
    throw new InputError('object has no apiVersion', {
      file,
      object: `${o.kind} (${where})`,
      field: 'apiVersion',
    });
  }
  if (
    !o.metadata ||
    typeof o.metadata !== 'object' ||
    typeof o.metadata.name !== 'string' ||
    !o.metadata.name
  ) {
    throw new InputError('object has no metadata.name', {
      file,
      object: `${o.kind} (${where})`,
      field: 'metadata.name',
    });
  }
  out.push(o as KubeObject);
}
