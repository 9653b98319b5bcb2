import { useEffect } from 'preact/hooks';

/** Calls `reload` every `ms` while `live` holds (a run or rollout that may still change), and stops when it ends. */
export function useRefreshWhile(live: boolean, reload: () => void, ms: number): void {
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(reload, ms);
    return () => clearInterval(timer);
  }, [live, reload, ms]);
}
