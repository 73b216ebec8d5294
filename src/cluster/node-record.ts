import type { V1Node } from '@kubernetes/client-node';
import { parseQuantity } from '../kube/quantity';
import type { NodeEntity } from './cluster.entity';

/** The largest value of the `int` columns (cpu, gpu); memory and disk are `bigint`, read as safe integers. */
const INT_MAX = 2_147_483_647;

/**
 * A capacity as its column holds it. What a cluster reports is untrusted: a value that is no quantity
 * counts as 0 and one beyond the column as the column's largest, so that a cluster's odd report can
 * neither fail its registration or sync nor reach the database as an error.
 */
function capacityOf(quantity: string | undefined, max: number): number {
  let value: number;
  try {
    value = parseQuantity(quantity);
  } catch {
    return 0;
  }
  return Number.isFinite(value) ? Math.min(Math.max(Math.round(value), 0), max) : 0;
}

/** SPEC §4's node fields, read from a Node object. */
export function nodeRecord(clusterId: string, node: V1Node, syncTime: Date): NodeEntity {
  const status = node.status ?? {};
  const capacity = status.capacity ?? {};
  return {
    clusterId,
    name: node.metadata?.name ?? '',
    operatingSystem: status.nodeInfo?.operatingSystem ?? '',
    kernelVersion: status.nodeInfo?.kernelVersion ?? '',
    ip: status.addresses?.find((address) => address.type === 'InternalIP')?.address ?? '',
    cpu: capacityOf(capacity.cpu, INT_MAX),
    memory: capacityOf(capacity.memory, Number.MAX_SAFE_INTEGER),
    disk: capacityOf(capacity['ephemeral-storage'], Number.MAX_SAFE_INTEGER),
    gpu: capacityOf(capacity['nvidia.com/gpu'], INT_MAX),
    isReady:
      status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ??
      false,
    labels: node.metadata?.labels ?? {},
    syncTime,
  };
}
