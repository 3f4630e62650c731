import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from './api';

/** Loads a GET endpoint; `reload()` fetches again. */
export function useGet<T>(path: string | null): { data: T | undefined; error: ApiError | undefined; loading: boolean; reload: () => void; setData: (v: T) => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setLoading(true);
    api<T>('GET', path)
      .then((v) => {
        if (!live) return;
        setData(v);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!live) return;
        setError(e instanceof ApiError ? e : new ApiError(0, 'error', String(e)));
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [path, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { data, error, loading, reload, setData };
}
