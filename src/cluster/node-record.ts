import type { V1Node } from '@kubernetes/client-node';
import { parseQuantity } from '../kube/quantity';
import type { NodeEntity } from './cluster.entity';

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
    cpu: Math.round(parseQuantity(capacity.cpu)),
    memory: Math.round(parseQuantity(capacity.memory)),
    disk: Math.round(parseQuantity(capacity['ephemeral-storage'])),
    gpu: Math.round(parseQuantity(capacity['nvidia.com/gpu'])),
    isReady:
      status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ??
      false,
    labels: node.metadata?.labels ?? {},
    syncTime,
  };
}
