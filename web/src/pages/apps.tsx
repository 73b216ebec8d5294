import { api, ok } from '../api';
import { PACKAGE_STATE, time } from '../format';
import { useLoad } from '../hooks';

export function AppsPage() {
  const { data, error } = useLoad(
    () => ok(api.GET('/v1/app', { params: { query: { pageSize: 1000 } } })),
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
  return (
    <table aria-label="Applications">
      <thead>
        <tr>
          <th scope="col">Application</th>
          <th scope="col">Version</th>
          <th scope="col">Kind</th>
          <th scope="col">Image or chart</th>
          <th scope="col">Package state</th>
          <th scope="col">Created</th>
        </tr>
      </thead>
      <tbody>
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
      </tbody>
    </table>
  );
}
