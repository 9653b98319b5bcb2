import { LoadState } from '../../components/status';
import type { Pages } from './use-pages';

/** What a paged list says under it: loading, why a page did not load, and the button that loads the next one. */
export function MoreButton({ pages, what, label }: { pages: Pages<unknown, unknown>; what: string; label: string }) {
  return (
    <>
      <LoadState error={pages.error} loading={pages.loading && pages.items.length === 0} what={what} />
      {pages.next !== null && (
        <p>
          <button type="button" class="secondary" disabled={pages.loading} onClick={pages.more}>
            {pages.loading ? 'Loading…' : label}
          </button>
        </p>
      )}
    </>
  );
}
