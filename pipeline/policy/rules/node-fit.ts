/**
 * A request no node can hold is never a number to act on. Two checks, each rejecting the whole
 * recommendation with the node that comes closest:
 *  - before any clamp, the live requests: one larger than every node's room (`cpu: 100000` in Git
 *    and live) is an input to fix, not a base to step down from 20 % at a time;
 *  - after the clamps, the proposal: the pod as proposed must fit on some node, CPU and memory
 *    together.
 * Room is a node's allocatable minus what its DaemonSet and mirror pods request
 * (model/node-room.ts). `nodeFit: false` turns both off, for clusters whose autoscaler adds
 * nodes larger than any it runs today.
 */
import { formatCpu, humanBytes } from '../../core/quantity.js';
import type { ContainerModel } from '../../model/types.js';
import { podRequests, type PodRequests } from '../../model/pod-requests.js';
import { fitsSomeNode, largestRoom, nodeRooms, type NodeRoom } from '../../model/node-room.js';
import { reject, BUILTIN, quantityFields, type Rule, type RuleContext } from './context.js';

const RESOURCES = ['cpu', 'memory'] as const;

export const nodeFitCurrentRule: Rule = (ctx) => {
  const rooms = roomsFor(ctx);
  if (!rooms) return;
  const t = ctx.workload.template;
  const pod = podRequests(t);
  for (const resource of RESOURCES) {
    const best = largestRoom(rooms, resource)!;
    if (pod[resource] <= best[resource]) continue;
    const biggest = [...t.containers, ...t.initContainers].reduce<ContainerModel | undefined>(
      (a, c) => ((c.requests[resource] ?? 0) > (a?.requests[resource] ?? 0) ? c : a),
      undefined,
    );
    const raw = biggest?.rawRequests[resource];
    reject(
      ctx,
      ctx.rules.nodeFit?.policy ?? BUILTIN,
      'node-fit',
      `the live ${resource} request${raw !== undefined ? ` (${raw} in container ${biggest!.name})` : 's'} ` +
        `${raw !== undefined ? 'is' : 'are'} larger than any node can hold: ${describeRoom(best, resource)}; ` +
        'check the value in Git and in the cluster',
    );
    return;
  }
};

export const nodeFitRule: Rule = (ctx) => {
  const rooms = roomsFor(ctx);
  if (!rooms) return;
  const requests = quantityFields(ctx, 'request');
  if (!requests.length) return;
  const proposed = (c: ContainerModel): ContainerModel => {
    const values = { ...c.requests };
    for (const f of requests)
      if (f.quantity!.container === c.name) values[f.quantity!.resource] = f.quantity!.proposed;
    return { ...c, requests: values };
  };
  const t = ctx.workload.template;
  const pod = podRequests({
    containers: t.containers.map(proposed),
    initContainers: t.initContainers.map(proposed),
  });
  if (fitsSomeNode(rooms, pod)) return;
  reject(
    ctx,
    ctx.rules.nodeFit?.policy ?? BUILTIN,
    'node-fit',
    `the pod as proposed (${describePod(pod)}) fits no node: ` +
      RESOURCES.map((r) => describeRoom(largestRoom(rooms, r)!, r)).join('; '),
  );
};

function roomsFor(ctx: RuleContext): NodeRoom[] | undefined {
  if (ctx.rules.nodeFit?.value === false) return undefined;
  const rooms = nodeRooms(ctx.model);
  // A snapshot without nodes says nothing about room.
  return rooms.length ? rooms : undefined;
}

function amount(v: number, resource: 'cpu' | 'memory'): string {
  if (v === 0) return `no ${resource === 'cpu' ? 'CPU' : 'memory'}`;
  return resource === 'cpu' ? `${formatCpu(v)} CPU` : `${humanBytes(v)} memory`;
}

function describePod(p: PodRequests): string {
  return `${amount(p.cpu, 'cpu')}, ${amount(p.memory, 'memory')}`;
}

function describeRoom(r: NodeRoom, resource: 'cpu' | 'memory'): string {
  const o = r.overhead[resource];
  return `the most room for ${resource} is ${amount(r[resource], resource)} on ${r.node}${o ? ` (after ${amount(o, resource)} for its DaemonSets)` : ''}`;
}
