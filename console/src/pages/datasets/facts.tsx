import { listKeys } from '../../../../shared/client/keys';
import { hub } from '../../hub';

/** `alias → version` chips, sorted by alias. */
export function AliasChips({ aliases }: { aliases: Record<string, number> }) {
  const entries = Object.entries(aliases).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return <span class="muted">none</span>;
  return (
    <>
      {entries.map(([alias, v]) => (
        <span key={alias} class="chip">{alias} → {v}</span>
      ))}
    </>
  );
}

/** Key names by id, so "created by" reads as a name; a key that may not list keys sees ids. */
export async function keyNames(): Promise<Map<string, string>> {
  const { keys } = await listKeys(hub).catch(() => ({ keys: [] as { id: string; name: string }[] }));
  return new Map(keys.map((k) => [k.id, k.name]));
}

export const whoMade = (createdBy: string | null, names: Map<string, string>) => (createdBy ? (names.get(createdBy) ?? createdBy) : '—');
