import { useState } from 'preact/hooks';
import { api, ok, session } from '../api';
import { ErrorAlert } from '../components/load-state';

export function LoginPage({ onLogin }: { onLogin: () => Promise<void> }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const answer = await ok(api.POST('/v1/authorization', { body: { user, password } }));
      session.token = answer.token;
      await onLogin();
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form class="login" onSubmit={submit} aria-labelledby="login-title">
      <h1 id="login-title">OTE edge console</h1>
      <label>
        User name
        <input
          name="user"
          autoComplete="username"
          value={user}
          onInput={(e) => setUser(e.currentTarget.value)}
          required
        />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          required
        />
      </label>
      <button type="submit">Log in</button>
      <ErrorAlert error={error} />
    </form>
  );
}
