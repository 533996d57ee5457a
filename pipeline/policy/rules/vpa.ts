/** A VPA that actively updates the workload owns its requests; two owners would fight. */
import { reject, quantityFields, BUILTIN, type Rule } from './context.js';

export const vpaRule: Rule = (ctx) => {
  if (ctx.rules.respectVpa?.value === false || !quantityFields(ctx).length) return;
  const vpa = ctx.model.vpas.find((v) => v.workload === ctx.workload.key && v.updateMode !== 'Off');
  if (vpa) {
    reject(
      ctx,
      ctx.rules.respectVpa?.policy ?? BUILTIN,
      'vpa-active',
      `VerticalPodAutoscaler ${vpa.namespace}/${vpa.name} updates this workload (updateMode ${vpa.updateMode}); it owns the requests`,
    );
  }
};
