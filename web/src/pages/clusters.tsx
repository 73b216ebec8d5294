import { api, NodeRow, ok, withEveryField } from '../api';
import { bytes } from '../format';
import { useLoad } from '../hooks';

export function ClustersPage() {
  const { data, error } = useLoad(
    async () => {
      const [clusters, nodes] = await Promise.all([
        ok(api.GET('/v1/cluster', { params: { query: { pageSize: 0 } } })),
        ok(api.GET('/v1/node', { params: { query: { pageSize: 1000 } } })),
      ]);
      const labels = new Map<string, string[]>();
      await Promise.all(
        clusters.data.map(async (cluster) => {
          const answer = await ok(
            api.GET('/v1/cluster/label/{clusterName}', {
              params: { path: { clusterName: cluster.clusterName }, query: { pageSize: 0 } },
            }),
          );
          labels.set(
            cluster.clusterName,
            answer.data.map((label) => label.clusterLabel),
          );
        }),
      );
      return { clusters: clusters.data, nodes: withEveryField<NodeRow>(nodes.data), labels };
    },
    [],
    5000,
  );
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!data) return <p role="status">Loading…</p>;
  const labelsOf = (clusterName: string) => data.labels.get(clusterName) ?? [];
  const simulated = data.clusters.some((cluster) => cluster.simulated);
  return (
    <>
      {simulated && (
        <p class="notice" role="note">
          Clusters marked “simulated” are the quick start's in-process edge fleet, not real Kubernetes
          clusters.
        </p>
      )}
      <table aria-label="Clusters">
        <thead>
          <tr>
            <th scope="col">Cluster</th>
            <th scope="col">Ready</th>
            <th scope="col">Nodes</th>
            <th scope="col">Labels</th>
            <th scope="col">Cluster ID</th>
          </tr>
        </thead>
        <tbody>
          {data.clusters.map((cluster) => (
            <tr key={cluster.clusterId} data-cluster={cluster.clusterName}>
              <td>
                {cluster.clusterName} {cluster.simulated && <span class="badge warn">simulated</span>}
              </td>
              <td>
                <span class={`badge ${cluster.isReady ? 'good' : 'bad'}`}>
                  {cluster.isReady ? 'ready' : 'not ready'}
                </span>
              </td>
              <td>{cluster.nodeCount}</td>
              <td>{labelsOf(cluster.clusterName).join(', ') || '—'}</td>
              <td>
                <code>{cluster.clusterId}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Nodes</h2>
      <table aria-label="Nodes">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">Cluster</th>
            <th scope="col">Ready</th>
            <th scope="col">CPU</th>
            <th scope="col">Memory</th>
            <th scope="col">Disk</th>
            <th scope="col">GPU</th>
            <th scope="col">IP</th>
            <th scope="col">System</th>
          </tr>
        </thead>
        <tbody>
          {data.nodes.map((node) => (
            <tr key={`${node.clusterName}/${node.nodeName}`}>
              <td>{node.nodeName}</td>
              <td>{node.clusterName}</td>
              <td>
                <span class={`badge ${node.isReady ? 'good' : 'bad'}`}>
                  {node.isReady ? 'ready' : 'not ready'}
                </span>
              </td>
              <td>{node.cpu}</td>
              <td>{bytes(node.memory)}</td>
              <td>{bytes(node.disk)}</td>
              <td>{node.gpu}</td>
              <td>{node.ip}</td>
              <td>
                {node.operatingSystem} {node.kernelVersion}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
