import { useState } from 'preact/hooks';
import { api, DeploymentRow, Me, ok, Role, withEveryField } from '../api';
import { DEPLOY_STATUS, DEPLOY_TYPE, time } from '../format';
import { useLoad } from '../hooks';
import { Table } from '../components/table';
import { ErrorAlert, NotLoaded } from '../components/load-state';

const LIVE_UPDATE_MS = 2000;

const statusClass = (status: number) =>
  status === 5 ? 'good' : status === 6 ? 'warn' : status >= 7 && status <= 8 ? 'bad' : '';

export function DeploymentsPage({ me }: { me: Me }) {
  const [selected, setSelected] = useState<number | null>(null);
  const { data, error, reload } = useLoad(
    () => ok(api.GET('/v1/deploy', { params: { query: { pageSize: 100, order: 'desc' } } })),
    [],
    LIVE_UPDATE_MS,
  );
  return (
    <>
      <RequestForm me={me} onRequested={reload} />
      <ErrorAlert error={error} />
      {data && (
        <Table
          label="Deployments"
          columns={['Deployment', 'Application', 'Clusters', 'Status', 'Pods', 'Updated']}
        >
          {withEveryField<DeploymentRow>(data.data).map((deployment) => (
            <tr key={deployment.id} data-deployment={deployment.deployName}>
              <td>
                <button type="button" class="link" onClick={() => setSelected(deployment.id)}>
                  {deployment.deployName}
                </button>
              </td>
              <td>
                {deployment.appName} {deployment.version}
              </td>
              <td>{deployment.cluster}</td>
              <td>
                <span class={`badge ${statusClass(deployment.status)}`} data-status={deployment.status}>
                  {DEPLOY_STATUS[deployment.status] ?? deployment.status}
                </span>
              </td>
              <td>{deployment.errorMessage}</td>
              <td>{time(deployment.updateTime)}</td>
            </tr>
          ))}
        </Table>
      )}
      {selected !== null && <DeploymentDetail id={selected} onChanged={reload} />}
    </>
  );
}

function RequestForm({ me, onRequested }: { me: Me; onRequested: () => void }) {
  const [form, setForm] = useState({
    deployName: '',
    appName: '',
    version: '',
    cluster: 'all',
    nodeLabel: 'all',
    comment: '',
  });
  const [message, setMessage] = useState<string | null>(null);
  const apps = useLoad(() => ok(api.GET('/v1/app', { params: { query: { pageSize: 1000 } } })), []);
  const field = (name: keyof typeof form, label: string, list?: string) => (
    <label>
      {label}
      <input
        name={name}
        list={list}
        value={form[name]}
        onInput={(e) => setForm({ ...form, [name]: e.currentTarget.value })}
        required={name !== 'comment'}
      />
    </label>
  );
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await ok(api.POST('/v1/deploy', { body: form }));
      const audited = me.role < Role.BusinessAdmin || !me.enableAdminAutoDeploy;
      setMessage(audited ? 'Requested: it waits for an administrator’s audit.' : 'Deployment started.');
      onRequested();
    } catch (failure) {
      setMessage((failure as Error).message);
    }
  };
  return (
    <details>
      <summary>Request a deployment</summary>
      <form class="actions" onSubmit={submit} aria-label="Request a deployment">
        {field('deployName', 'Deployment name')}
        {field('appName', 'Application', 'app-names')}
        {field('version', 'Version')}
        {field('cluster', 'Cluster label')}
        {field('nodeLabel', 'Node label')}
        {field('comment', 'Comment')}
        <datalist id="app-names">
          {[...new Set((apps.data?.data ?? []).map((app) => app.appName))].map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <button type="submit">Request deployment</button>
      </form>
      {message && <p role="status">{message}</p>}
    </details>
  );
}

function DeploymentDetail({ id, onChanged }: { id: number; onChanged: () => void }) {
  const [rollbackTo, setRollbackTo] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const { data, error, reload } = useLoad(
    () => ok(api.GET('/v1/deploy/id/{id}', { params: { path: { id }, query: { field: 'historyVersion' } } })),
    [id],
    LIVE_UPDATE_MS,
  );
  if (error || !data) return <NotLoaded error={error} />;
  const deployment = data.data;
  const rollback = async (event: Event) => {
    event.preventDefault();
    try {
      await ok(
        api.PUT('/v1/deploy/id/{id}', {
          params: { path: { id } },
          body: { version: rollbackTo, comment: 'rollback from the console' },
        }),
      );
      setMessage(`Rollback to ${rollbackTo} requested.`);
      await reload();
      onChanged();
    } catch (failure) {
      setMessage((failure as Error).message);
    }
  };
  const earlier = [...new Set((deployment.historyVersion ?? []).map((entry) => entry.version))].filter(
    (version) => version !== deployment.version,
  );
  return (
    <section aria-labelledby="detail-title" data-detail={deployment.deployName}>
      <h2 id="detail-title">
        {deployment.deployName}: {deployment.appName} {deployment.version} —{' '}
        <span class={`badge ${statusClass(deployment.status)}`} data-status={deployment.status}>
          {DEPLOY_STATUS[deployment.status]}
        </span>
      </h2>
      <Table
        label={`Clusters of ${deployment.deployName}`}
        columns={['Cluster', 'State', 'Running', 'Error', 'Total', 'Since', 'Last message']}
      >
        {(deployment.clusters ?? []).map((placement) => (
          <tr key={placement.clusterName} data-cluster={placement.clusterName} data-state={placement.status}>
            <td>{placement.clusterName}</td>
            <td>
              <span
                class={`badge ${placement.status === 'running' ? 'good' : placement.status === 'offline' || placement.status === 'failed' ? 'bad' : ''}`}
              >
                {placement.status}
              </span>
            </td>
            <td>{placement.running}</td>
            <td>{placement.error}</td>
            <td>{placement.total}</td>
            <td>{time(placement.since)}</td>
            <td>{placement.message}</td>
          </tr>
        ))}
      </Table>
      <h3>History</h3>
      <ul>
        {(deployment.historyVersion ?? []).map((entry, index) => (
          <li key={index}>
            {entry.version} {entry.createTime ? `(${time(entry.createTime)})` : ''}{' '}
            {DEPLOY_TYPE[entry.deployType] ?? ''}
          </li>
        ))}
      </ul>
      {earlier.length > 0 && (
        <form class="actions" onSubmit={rollback} aria-label={`Roll back ${deployment.deployName}`}>
          <label>
            Roll back to version
            <select value={rollbackTo} onChange={(e) => setRollbackTo(e.currentTarget.value)} required>
              <option value="">choose…</option>
              {earlier.map((version) => (
                <option key={version} value={version}>
                  {version}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!deployment.editable}>
            Roll back
          </button>
        </form>
      )}
      {message && <p role="status">{message}</p>}
    </section>
  );
}
