import { useCallback, useEffect, useState } from 'preact/hooks';

/**
 * Loads data and, with `everyMs`, reloads it on a timer: the live view of a running deployment polls
 * every 2 s rather than asking the operator to reload.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], everyMs?: number) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(null);
    } catch (failure) {
      setError((failure as Error).message);
    }
  }, deps);
  useEffect(() => {
    void reload();
    if (!everyMs) return undefined;
    const timer = setInterval(() => void reload(), everyMs);
    return () => clearInterval(timer);
  }, [reload, everyMs]);
  return { data, error, reload };
}
