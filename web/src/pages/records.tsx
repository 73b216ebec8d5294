import { useState } from 'preact/hooks';
import { api, ok } from '../api';
import { useLoad } from '../hooks';
import { Table } from '../components/table';
import { NotLoaded } from '../components/load-state';

/** Software-deployment records (seed 003): one per action of a deployment on one cluster. */
export function RecordsPage() {
  const [businessId, setBusinessId] = useState<number | null>(null);
  const [serverId, setServerId] = useState('');
  const context = useLoad(async () => {
    const [businesses, clusters] = await Promise.all([
      ok(api.GET('/v1/business', { params: { query: { pageSize: 1000 } } })),
      ok(api.GET('/v1/cluster', { params: { query: { pageSize: 0 } } })),
    ]);
    const approved = businesses.data.filter((business) => business.status === 1);
    if (approved.length && businessId === null) setBusinessId(approved[0].id);
    return { businesses: approved, clusters: clusters.data };
  }, []);
  const records = useLoad(async () => {
    if (businessId === null) return [];
    // This route answers with seed 003's own body, not our envelope.
    const answer = await ok(
      api.GET('/v1/{projectId}/software_deployments', {
        params: { path: { projectId: businessId }, query: serverId ? { server_id: serverId } : {} },
      }),
    );
    return answer.software_deployments;
  }, [businessId, serverId]);
  if (context.error || !context.data) return <NotLoaded error={context.error} />;
  const clusterName = (id: string) =>
    context.data!.clusters.find((cluster) => cluster.clusterId === id)?.clusterName ?? id;
  return (
    <>
      <div class="actions">
        <label>
          Business
          <select
            value={String(businessId ?? '')}
            onChange={(e) => setBusinessId(Number(e.currentTarget.value))}
          >
            {context.data.businesses.map((business) => (
              <option key={business.id} value={business.id}>
                {business.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Cluster
          <select value={serverId} onChange={(e) => setServerId(e.currentTarget.value)}>
            <option value="">every cluster</option>
            {context.data.clusters.map((cluster) => (
              <option key={cluster.clusterId} value={cluster.clusterId}>
                {cluster.clusterName}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Table label="Deployment records" columns={['When', 'Cluster', 'Action', 'Status', 'stdout', 'stderr']}>
        {(records.data ?? []).map((record) => (
          <tr key={record.id}>
            <td>{new Date(record.creation_time).toLocaleString()}</td>
            <td>{clusterName(record.server_id)}</td>
            <td>{record.action}</td>
            <td>
              {record.status} {record.status_reason}
            </td>
            <td>
              <pre>{record.output_values?.deploy_stdout ?? ''}</pre>
            </td>
            <td>
              <pre>{record.output_values?.deploy_stderr ?? ''}</pre>
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}
