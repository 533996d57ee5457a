/**
 * Label selectors and node selector terms, evaluated as the API server and scheduler do: every
 * matchLabels pair and matchExpressions entry must hold; an empty selector matches everything,
 * a missing one nothing (callers decide which they have).
 */

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function matchesSelector(labels: Record<string, string>, sel: LabelSelector | undefined): boolean {
  if (!sel) return false;
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) if (!matchesExpression(labels[e.key], e)) return false;
  return true;
}

function matchesExpression(value: string | undefined, e: { operator: string; values?: string[] }): boolean {
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number.parseInt(value, 10) > Number.parseInt(values[0] ?? '', 10);
    case 'Lt':
      return value !== undefined && Number.parseInt(value, 10) < Number.parseInt(values[0] ?? '', 10);
    default:
      return false;
  }
}

/**
 * `requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`: the terms are ORed, the
 * expressions within a term ANDed; `matchFields` knows only `metadata.name`.
 */
export function matchesNodeSelectorTerms(
  node: { name: string; labels: Record<string, string> },
  terms: any[] | undefined,
): boolean {
  if (!Array.isArray(terms) || !terms.length) return true;
  return terms.some((t) => {
    const exprs = [...(t?.matchExpressions ?? [])];
    const fields = [...(t?.matchFields ?? [])];
    if (!exprs.length && !fields.length) return false;
    return (
      exprs.every((e: any) => matchesExpression(node.labels[e.key], e)) &&
      fields.every((e: any) => e.key === 'metadata.name' && matchesExpression(node.name, e))
    );
  });
}

/**
 * Pods by namespace and label pair, so "which pods does this Service / PDB select" costs the pods
 * carrying one of its labels, not every pod of the namespace (thousands of Services × thousands of
 * pods on a big cluster).
 */
export class PodLabelIndex<P extends { namespace: string; labels: Record<string, string> }> {
  private readonly byNamespace = new Map<string, P[]>();
  private readonly byLabel = new Map<string, P[]>();

  constructor(pods: Iterable<P>) {
    for (const p of pods) {
      push(this.byNamespace, p.namespace, p);
      for (const [k, v] of Object.entries(p.labels)) push(this.byLabel, `${p.namespace}\0${k}\0${v}`, p);
    }
  }

  matching(namespace: string, sel: LabelSelector | undefined): P[] {
    if (!sel) return [];
    let from = this.byNamespace.get(namespace) ?? [];
    for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
      const list = this.byLabel.get(`${namespace}\0${k}\0${v}`) ?? [];
      if (list.length < from.length) from = list;
    }
    return from.filter((p) => matchesSelector(p.labels, sel));
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
