import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Page<T, C> {
  items: T[];
  next: C | null;
  /** What the page says of the whole list (a folder's totals), kept from the latest page. */
  info?: unknown;
}

export interface Pages<T, C> {
  items: T[];
  /** The cursor of the next page; null once every page is in. */
  next: C | null;
  info: unknown;
  error: string | null;
  loading: boolean;
  more: () => void;
}

/**
 * A list read a page at a time: the first page when the inputs change, the next on `more()`. Only the pages asked for
 * are held, and a reply that arrives after the inputs changed is dropped.
 */
export function usePages<T, C>(load: (cursor: C | undefined) => Promise<Page<T, C>>, deps: unknown[]): Pages<T, C> {
  const [state, setState] = useState<{ items: T[]; next: C | null; info: unknown; error: string | null; loading: boolean }>({ items: [], next: null, info: null, error: null, loading: true });
  const generation = useRef(0);
  const fetchPage = useCallback((cursor: C | undefined, keep: T[]) => {
    const mine = generation.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    load(cursor).then(
      (page) => mine === generation.current && setState({ items: [...keep, ...page.items], next: page.next, info: page.info ?? null, error: null, loading: false }),
      (e: Error) => mine === generation.current && setState((s) => ({ ...s, error: e.message, loading: false })),
    );
  }, deps);
  useEffect(() => {
    generation.current++;
    setState({ items: [], next: null, info: null, error: null, loading: true });
    fetchPage(undefined, []);
  }, [fetchPage]);
  const more = () => state.next !== null && !state.loading && fetchPage(state.next, state.items);
  return { ...state, more };
}
