import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { searchRuns, type SearchRunsRequest } from '../../../../shared/client/tracking';
import type { Run } from '../../../../shared/schemas/tracking';
import { hub } from '../../hub';

const FIRST_PAGE = 200;
const NEXT_PAGES = 500;

export interface RunPages {
  rows: Run[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  loadMore: () => void;
}

/**
 * Runs for a search, a keyset page at a time: the first page at once, the next ones as the table asks while it
 * scrolls. A new search drops whatever the old one still had in flight.
 */
export function useRunPages(search: Omit<SearchRunsRequest, 'limit' | 'pageToken'> | null): RunPages {
  const [state, setState] = useState<{ rows: Run[]; next: string | null; loading: boolean; error: string | null }>({ rows: [], next: null, loading: true, error: null });
  const generation = useRef(0);
  const busy = useRef(false);
  const key = JSON.stringify(search);

  const fetchPage = useCallback(
    (pageToken: string | null, mine: number) => {
      if (!search) return;
      busy.current = true;
      setState((s) => ({ ...s, loading: true }));
      searchRuns(hub, { ...search, limit: pageToken ? NEXT_PAGES : FIRST_PAGE, pageToken: pageToken ?? undefined }).then(
        (page) => {
          if (mine !== generation.current) return;
          busy.current = false;
          setState((s) => ({ rows: pageToken ? s.rows.concat(page.runs) : page.runs, next: page.nextPageToken, loading: false, error: null }));
        },
        (e: Error) => {
          if (mine !== generation.current) return;
          busy.current = false;
          setState((s) => ({ ...s, loading: false, error: e.message }));
        },
      );
    },
    [key],
  );

  useEffect(() => {
    const mine = ++generation.current;
    setState({ rows: [], next: null, loading: search !== null, error: null });
    fetchPage(null, mine);
  }, [fetchPage]);

  const loadMore = useCallback(() => {
    if (!busy.current && state.next) fetchPage(state.next, generation.current);
  }, [fetchPage, state.next]);

  return { rows: state.rows, hasMore: state.next !== null, loading: state.loading, error: state.error, loadMore };
}
