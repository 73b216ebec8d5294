import { api, NodeRow, ok, withEveryField } from '../api';
import { bytes } from '../format';
import { useLoad } from '../hooks';
import { Table } from '../components/table';
import { NotLoaded } from '../components/load-state';

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
  if (error || !data) return <NotLoaded error={error} />;
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
      <Table label="Clusters" columns={['Cluster', 'Ready', 'Nodes', 'Labels', 'Cluster ID']}>
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
      </Table>
      <h2>Nodes</h2>
      <Table
        label="Nodes"
        columns={['Node', 'Cluster', 'Ready', 'CPU', 'Memory', 'Disk', 'GPU', 'IP', 'System']}
      >
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
      </Table>
    </>
  );
}
