import { useState } from 'preact/hooks';
import { api, ok, session } from '../api';
import { ErrorAlert } from '../components/load-state';

export function LoginPage({ onLogin }: { onLogin: () => Promise<void> }) {
  const [error, setError] = useState<string | null>(null);
  // The fields are read once, when the form is sent: the browser keeps them until then.
  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const [user, password] = [String(form.get('user')), String(form.get('password'))];
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
        <input name="user" autoComplete="username" required />
      </label>
      <label>
        Password
        <input name="password" type="password" autoComplete="current-password" required />
      </label>
      <button type="submit">Log in</button>
      <ErrorAlert error={error} />
    </form>
  );
}
