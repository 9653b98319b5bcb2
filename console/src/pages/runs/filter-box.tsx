import { useEffect, useMemo, useState } from 'preact/hooks';
import { FilterSyntaxError, parseFilter } from '../../../../shared/filter/index';

const EXAMPLE = "metrics.accuracy > 0.9 and params.optimizer = 'adam'";

function check(text: string): FilterSyntaxError | null {
  try {
    parseFilter(text);
    return null;
  } catch (e) {
    if (e instanceof FilterSyntaxError) return e;
    throw e;
  }
}

/**
 * The run filter, checked as it is typed by the same parser the hub uses: a mistake shows its message and a caret
 * under its column; a valid filter applies after a pause in typing, or at once with Enter.
 */
export function FilterBox({ value, onApply, serverError }: { value: string; onApply: (filter: string) => void; serverError: string | null }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const error = useMemo(() => check(text), [text]);

  useEffect(() => {
    if (error || text.trim() === value.trim()) return;
    const timer = setTimeout(() => onApply(text.trim()), 600);
    return () => clearTimeout(timer);
    // `value` too: once Enter applied the text, the pending timer must go, or it fires later with a stale view.
  }, [text, error, value]);

  function submit(e: Event) {
    e.preventDefault();
    if (!error) onApply(text.trim());
  }

  return (
    <form role="search" class="filter" onSubmit={submit}>
      <label for="run-filter">Filter runs</label>
      <div class="filter-row">
        <input
          id="run-filter"
          type="search"
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder={EXAMPLE}
          spellcheck={false}
          autocomplete="off"
          aria-invalid={error ? 'true' : 'false'}
          aria-describedby="run-filter-note"
        />
        <button type="submit" disabled={!!error}>Apply</button>
      </div>
      <div id="run-filter-note" aria-live="polite">
        {error ? (
          <div class="filter-error">
            <p class="error">{error.message}</p>
            <pre aria-hidden="true">{`${text}\n${' '.repeat(Math.max(0, error.column - 1))}^`}</pre>
          </div>
        ) : serverError ? (
          <p class="error">{serverError}</p>
        ) : (
          <p class="muted small">
            e.g. <code>{EXAMPLE}</code> — <code>metrics.</code>, <code>params.</code>, <code>tags.</code>, <code>attributes.</code>; AND, OR,
            parentheses, LIKE, IN, IS NULL.
          </p>
        )}
      </div>
    </form>
  );
}
