/**
 * OpenShift's ClusterResourceOverride admission plugin rewrites requests (as a percentage of
 * limits) in namespaces that opt in with this label: a request we write there would not be the
 * request that runs (formats.md §4.3).
 */
import { reject, quantityFields, BUILTIN, type Rule } from './context.js';
import { CRO_LABEL } from '../../model/well-known.js';

export const resourceOverrideRule: Rule = (ctx) => {
  if (ctx.rules.respectClusterResourceOverride?.value === false || !quantityFields(ctx).length) return;
  const ns = ctx.model.namespaces.get(ctx.workload.namespace);
  if (ns?.labels[CRO_LABEL] === 'true') {
    reject(
      ctx,
      ctx.rules.respectClusterResourceOverride?.policy ?? BUILTIN,
      'resource-override-namespace',
      `namespace ${ns.name} has ${CRO_LABEL}=true: OpenShift's ClusterResourceOverride rewrites requests there`,
    );
  }
};
