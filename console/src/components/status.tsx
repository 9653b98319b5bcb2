/** What a view shows while its data loads or when it could not load. */
export function LoadState({ error, loading, what }: { error: string | null; loading: boolean; what: string }) {
  if (error) return <p role="alert" class="error">Could not load {what}: {error}</p>;
  if (loading) return <p class="muted" aria-live="polite">Loading {what}…</p>;
  return null;
}
