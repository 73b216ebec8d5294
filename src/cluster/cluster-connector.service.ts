import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { SecretBox } from '../common/secret-box';
import { KubeClients, makeKubeClients } from '../kube/kube-clients';
import { openStoredKubeconfig } from '../kube/kubeconfig';
import { ClusterEntity } from './cluster.entity';

/**
 * Opens a registered cluster's sealed kubeconfig into API clients, once per kubeconfig: the clients
 * (with their connection pool) are kept per cluster and reused by every job and sync in this process,
 * until the kubeconfig is replaced (the sealed text read with the cluster differs) or the cluster is
 * removed, when the old clients' connections are closed. A stored
 * kubeconfig passes the same gate as at registration (it may predate the gate): a refused one throws
 * a KubeError that the sync and the deployments record like any other cluster failure.
 */
@Injectable()
export class ClusterConnector implements OnApplicationShutdown {
  private readonly cache = new Map<string, { sealed: string; clients: KubeClients }>();

  constructor(private readonly secrets: SecretBox) {}

  clientsFor(cluster: Pick<ClusterEntity, 'id' | 'kubeconfigSealed'>): KubeClients {
    const cached = this.cache.get(cluster.id);
    if (cached?.sealed === cluster.kubeconfigSealed) return cached.clients;
    const clients = makeKubeClients(openStoredKubeconfig(this.secrets.open(cluster.kubeconfigSealed)));
    this.cache.set(cluster.id, { sealed: cluster.kubeconfigSealed, clients });
    // Requests already under way on the old clients finish first: undici closes a pool once it is idle.
    if (cached) void cached.clients.close();
    return clients;
  }

  forget(clusterId: string): void {
    void this.cache.get(clusterId)?.clients.close();
    this.cache.delete(clusterId);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.cache.values()].map(({ clients }) => clients.close()));
    this.cache.clear();
  }
}
