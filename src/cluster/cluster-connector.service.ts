import { Injectable } from '@nestjs/common';
import { SecretBox } from '../common/secret-box';
import { KubeClients, makeKubeClients } from '../kube/kube-clients';
import { vetKubeconfig } from '../kube/kubeconfig';
import { ClusterEntity } from './cluster.entity';

/**
 * Opens a registered cluster's sealed kubeconfig into API clients, once per kubeconfig. A stored
 * kubeconfig passes the same gate as at registration (it may predate the gate): a refused one throws
 * a KubeError that the sync and the deployments record like any other cluster failure.
 */
@Injectable()
export class ClusterConnector {
  private readonly cache = new Map<string, { sealed: string; clients: KubeClients }>();

  constructor(private readonly secrets: SecretBox) {}

  clientsFor(cluster: Pick<ClusterEntity, 'id' | 'kubeconfigSealed'>): KubeClients {
    const cached = this.cache.get(cluster.id);
    if (cached?.sealed === cluster.kubeconfigSealed) return cached.clients;
    const clients = makeKubeClients(vetKubeconfig(this.secrets.open(cluster.kubeconfigSealed)));
    this.cache.set(cluster.id, { sealed: cluster.kubeconfigSealed, clients });
    return clients;
  }

  forget(clusterId: string): void {
    this.cache.delete(clusterId);
  }
}
