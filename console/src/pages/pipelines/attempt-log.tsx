import { useEffect, useState } from 'preact/hooks';
import { readAttemptLog } from '../../../../shared/client/pipelines';
import { hub } from '../../hub';

/** An attempt's log, read page by page; while the attempt runs it keeps reading from where the log ended. */
export function AttemptLog({ attemptId, label }: { attemptId: string; label: string }) {
  const [log, setLog] = useState<{ text: string; done: boolean; error: string | null }>({ text: '', done: false, error: null });
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let text = '';
    const read = async (offset: number) => {
      try {
        const page = await readAttemptLog(hub, attemptId, offset);
        if (stopped) return;
        text += page.text;
        setLog({ text, done: page.done, error: null });
        // More is waiting (a long log) → the next page now; the attempt still running → look again in a second.
        if (page.next > offset) read(page.next);
        else if (!page.done) timer = setTimeout(() => read(page.next), 1000);
      } catch (e) {
        if (!stopped) setLog((l) => ({ ...l, error: (e as Error).message }));
      }
    };
    read(0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [attemptId]);
  if (log.error) return <p role="alert" class="error">Could not load the log: {log.error}</p>;
  return log.text ? (
    <pre class="log" tabIndex={0} aria-label={label}>{log.text}</pre>
  ) : (
    <p class="muted">{log.done ? 'Nothing logged.' : 'No log yet…'}</p>
  );
}
