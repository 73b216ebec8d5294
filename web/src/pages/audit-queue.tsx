import { useState } from 'preact/hooks';
import { api, BusinessRow, DeployRequestRow, ok, UserRow } from '../api';
import { DEPLOY_TYPE, time } from '../format';
import { useLoad } from '../hooks';
import { ErrorAlert, NotLoaded } from '../components/load-state';

/**
 * What waits for an administrator: users (system administrators), businesses (system administrators)
 * and deployment requests, newest first. Each decision takes a comment; buttons are native, so the
 * queue works from the keyboard alone.
 */
const NEWEST_FIRST = { pageSize: 1000, order: 'desc' } as const;

export function AuditQueuePage() {
  const { data, error, reload } = useLoad(
    async () => {
      const [users, businesses, requests] = await Promise.all([
        ok(api.GET('/v1/admin/user', { params: { query: NEWEST_FIRST } })).catch(() => ({
          data: [] as UserRow[],
        })),
        ok(api.GET('/v1/business', { params: { query: NEWEST_FIRST } })).catch(() => ({
          data: [] as BusinessRow[],
        })),
        ok(api.GET('/v1/admin/deploy', { params: { query: NEWEST_FIRST } })),
      ]);
      return {
        users: users.data.filter((user) => user.status === 0),
        businesses: businesses.data.filter((business) => business.status === 0),
        requests: requests.data.filter((request) => request.status === 0),
      };
    },
    [],
    5000,
  );
  if (error || !data) return <NotLoaded error={error} />;
  const empty = !data.users.length && !data.businesses.length && !data.requests.length;
  return (
    <>
      {empty && <p role="status">Nothing waits for an audit.</p>}
      {data.requests.length > 0 && (
        <section aria-labelledby="requests-title">
          <h2 id="requests-title">Deployment requests</h2>
          {data.requests.map((request) => (
            <DeployRequestCard key={request.id} request={request} onDecided={reload} />
          ))}
        </section>
      )}
      {data.businesses.length > 0 && (
        <section aria-labelledby="businesses-title">
          <h2 id="businesses-title">Businesses</h2>
          {data.businesses.map((business) => (
            <Decision
              key={business.id}
              label={`business ${business.name}`}
              describe={
                <>
                  <strong>{business.name}</strong> ({business.scale}) — {business.introduce};{' '}
                  {business.objective}. Requested {time(business.createTime)}.
                </>
              }
              decide={(status, comment) =>
                ok(
                  api.PUT('/v1/business/id/{id}', {
                    params: { path: { id: business.id } },
                    body: { status, comment },
                  }),
                )
              }
              onDecided={reload}
            />
          ))}
        </section>
      )}
      {data.users.length > 0 && (
        <section aria-labelledby="users-title">
          <h2 id="users-title">Users</h2>
          {data.users.map((user) => (
            <Decision
              key={user.id}
              label={`user ${user.user}`}
              describe={
                <>
                  <strong>{user.user}</strong> ({user.realName}, {user.phone})
                  {user.isAdmin ? ', administrator' : ''}. Registered {time(user.createTime)}.
                </>
              }
              // A user's audit takes no comment in the seed; the comment stays in the console.
              decide={(status) =>
                ok(
                  api.PUT('/v1/admin/user/{userId}', {
                    params: { path: { userId: user.id } },
                    body: { status },
                  }),
                )
              }
              onDecided={reload}
            />
          ))}
        </section>
      )}
    </>
  );
}

function Decision(props: {
  label: string;
  describe: preact.ComponentChildren;
  decide: (status: 1 | 2, comment: string) => Promise<unknown>;
  onDecided: () => void;
  children?: preact.ComponentChildren;
}) {
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const decide = async (status: 1 | 2) => {
    setBusy(true);
    setError(null);
    try {
      await props.decide(status, comment);
      props.onDecided();
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <article class="card" aria-label={props.label}>
      <p>{props.describe}</p>
      {props.children}
      <div class="actions">
        <label>
          Comment on {props.label}
          <input value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
        </label>
        <button type="button" disabled={busy} onClick={() => decide(1)}>
          Approve {props.label}
        </button>
        <button type="button" disabled={busy} onClick={() => decide(2)}>
          Disapprove {props.label}
        </button>
      </div>
      <ErrorAlert error={error} />
    </article>
  );
}

function DeployRequestCard({ request, onDecided }: { request: DeployRequestRow; onDecided: () => void }) {
  return (
    <Decision
      label={`request ${request.id} (${request.deployName})`}
      describe={
        <>
          <strong>{DEPLOY_TYPE[request.deployType] ?? request.deployType}</strong> of deployment{' '}
          <strong>{request.deployName}</strong>: {request.appName} {request.version} to clusters “
          {request.cluster}”, business {request.businessName}. Requested {time(request.createTime)}.
        </>
      }
      decide={(status, comment) =>
        ok(api.PUT('/v1/admin/deploy', { body: { id: request.id, status, comment } }))
      }
      onDecided={onDecided}
    >
      <Change request={request} />
    </Decision>
  );
}

/** The change a request makes: the audit record's rendered diff, else the running and requested specs. */
function Change({ request }: { request: DeployRequestRow }) {
  const { data } = useLoad(async () => {
    if (request.diff) return null;
    const running = (
      await ok(api.GET('/v1/deploy/id/{id}', { params: { path: { id: request.deployId } } })).catch(
        () => null,
      )
    )?.data.version;
    const versions = await ok(
      api.GET('/v1/app', {
        params: { query: { appName: request.appName, appNameMode: 'strict', pageSize: 100 } },
      }),
    );
    const spec = (version?: string) => versions.data.find((app) => app.version === version);
    return {
      running: running === request.version ? undefined : spec(running),
      requested: spec(request.version),
    };
  }, [request.id]);
  if (request.diff) {
    return (
      <details open>
        <summary>Change per target cluster</summary>
        <pre aria-label={`change of request ${request.id}`}>
          {request.diff.split('\n').map((line, index) => (
            <div key={index} class={line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : undefined}>
              {line}
            </div>
          ))}
        </pre>
      </details>
    );
  }
  if (!data) return null;
  return (
    <details open>
      <summary>Change: running version beside the requested one</summary>
      <div class="diff" aria-label={`change of request ${request.id}`}>
        <div>
          <h3>Running</h3>
          <pre>{data.running ? JSON.stringify(data.running, null, 2) : 'nothing runs yet'}</pre>
        </div>
        <div>
          <h3>Requested ({request.version})</h3>
          <pre>{data.requested ? JSON.stringify(data.requested, null, 2) : 'version not found'}</pre>
        </div>
      </div>
    </details>
  );
}
