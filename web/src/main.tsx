import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, Me, ok, Role, ROLE_NAME, session, Schemas } from './api';
import { AppsPage } from './pages/apps';
import { AuditQueuePage } from './pages/audit-queue';
import { ClustersPage } from './pages/clusters';
import { DeploymentsPage } from './pages/deployments';
import { LoginPage } from './pages/login';
import { RecordsPage } from './pages/records';
import './style.css';

interface Route {
  path: string;
  title: string;
  /** Lowest role that sees the page; the API enforces the same. */
  minRole: Schemas['Role'];
  render: (me: Me) => preact.JSX.Element;
}

const ROUTES: Route[] = [
  { path: 'audit', title: 'Audit queue', minRole: Role.BusinessAdmin, render: () => <AuditQueuePage /> },
  {
    path: 'deployments',
    title: 'Deployments',
    minRole: Role.GeneralUser,
    render: (me) => <DeploymentsPage me={me} />,
  },
  { path: 'clusters', title: 'Clusters and nodes', minRole: Role.Approved, render: () => <ClustersPage /> },
  { path: 'apps', title: 'Applications', minRole: Role.GeneralUser, render: () => <AppsPage /> },
  { path: 'records', title: 'Deployment records', minRole: Role.GeneralUser, render: () => <RecordsPage /> },
];

const currentPath = () => location.hash.replace(/^#\/?/, '').split('?')[0];

function App() {
  const [me, setMe] = useState<Me | null>(null);
  const [checked, setChecked] = useState(false);
  const [path, setPath] = useState(currentPath());

  const loadMe = async () => {
    if (!session.token) {
      setMe(null);
      setChecked(true);
      return;
    }
    try {
      setMe((await ok(api.GET('/v1/authorization'))).data);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status === 401) session.token = null;
      setMe(null);
    }
    setChecked(true);
  };

  useEffect(() => {
    void loadMe();
    const onHash = () => setPath(currentPath());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  if (!checked) return <p role="status">Loading…</p>;
  if (!me) return <LoginPage onLogin={loadMe} />;

  const visible = ROUTES.filter((route) => me.role >= route.minRole);
  const route = visible.find((candidate) => candidate.path === path) ?? visible[0];
  const logout = () => {
    session.token = null;
    setMe(null);
  };
  return (
    <div class="layout">
      <header>
        <strong>OTE edge console</strong>
        <nav aria-label="Pages">
          {visible.map((candidate) => (
            <a
              key={candidate.path}
              href={`#/${candidate.path}`}
              aria-current={candidate === route ? 'page' : undefined}
            >
              {candidate.title}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.displayName} ({ROLE_NAME[me.role]})
          <button type="button" onClick={logout}>
            Log out
          </button>
        </span>
      </header>
      <main>
        {route ? (
          <>
            <h1>{route.title}</h1>
            {route.render(me)}
          </>
        ) : (
          <p>Your account is waiting for a system administrator's approval.</p>
        )}
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
