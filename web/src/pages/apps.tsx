import { api, ok } from '../api';
import { PACKAGE_STATE, time } from '../format';
import { useLoad } from '../hooks';
import { Table } from '../components/table';
import { NotLoaded } from '../components/load-state';

export function AppsPage() {
  const { data, error } = useLoad(
    () => ok(api.GET('/v1/app', { params: { query: { pageSize: 1000 } } })),
    [],
    5000,
  );
  if (error || !data) return <NotLoaded error={error} />;
  return (
    <Table
      label="Applications"
      columns={['Application', 'Version', 'Kind', 'Image or chart', 'Package state', 'Created']}
    >
      {data.data.map((app) => (
        <tr key={`${app.appName}@${app.version}`}>
          <td>{app.appName}</td>
          <td>{app.version}</td>
          <td>{app.deployType}</td>
          <td>
            <code>{app.image}</code>
          </td>
          <td>
            <span class={`badge ${app.status === 1 ? 'good' : app.status >= 2 ? 'bad' : ''}`}>
              {PACKAGE_STATE[app.status] ?? app.status}
            </span>
          </td>
          <td>{time(app.createTime)}</td>
        </tr>
      ))}
    </Table>
  );
}
