/** The server's error message as an alert, or nothing without one. */
export function ErrorAlert({ error }: { error: string | null }) {
  return error ? (
    <p role="alert" class="error">
      {error}
    </p>
  ) : null;
}

/** What a page shows in place of its data: the error when loading failed, else that it is loading. */
export function NotLoaded({ error }: { error: string | null }) {
  return error ? <ErrorAlert error={error} /> : <p role="status">Loading…</p>;
}
