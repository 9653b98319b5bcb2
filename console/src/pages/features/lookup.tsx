import { useState } from 'preact/hooks';
import { onlineFeatures, type FeatureViewDetail } from '../../../../shared/client/features';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatTime } from '../../format';
import { navigate } from '../../router';
import type { JoinKey } from './facts';

const INT = /^-?\d+$/;

function valueText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return `[${v.slice(0, 8).join(', ')}${v.length > 8 ? `, … ${v.length} values` : ''}]`;
  return typeof v === 'string' ? v : String(v);
}

/** The entity the address names (`?driver_id=1001`), or null until every join key has a value. */
function entityOf(query: URLSearchParams, keys: JoinKey[]): Record<string, [string | number]> | null {
  const entity: Record<string, [string | number]> = {};
  for (const k of keys) {
    const text = query.get(k.name);
    if (text === null || text === '' || (k.type === 'int64' && !INT.test(text))) return null;
    entity[k.name] = [k.type === 'int64' ? Number(text) : text];
  }
  return entity;
}

/**
 * The online values of one entity: a field per join key, and each feature's value, status and event time as
 * `/feast/get-online-features` answers them. The entity is in the address, so a lookup can be shared.
 */
export function Lookup({ view, keys, query }: { view: FeatureViewDetail; keys: JoinKey[]; query: URLSearchParams }) {
  const entity = entityOf(query, keys);
  const asked = JSON.stringify(entity);
  const loaded = useLoad(
    () => (entity ? onlineFeatures(hub, { entities: entity, features: view.schema.map((f) => `${view.name}:${f.name}`) }) : Promise.resolve(null)),
    [view.name, asked],
  );
  const [invalid, setInvalid] = useState<string | null>(null);

  function submit(e: Event) {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const k of keys) {
      const text = String(data.get(k.name) ?? '').trim();
      if (k.type === 'int64' && !INT.test(text)) {
        setInvalid(k.name);
        return;
      }
      next.set(k.name, text);
    }
    setInvalid(null);
    // The same entity again reads its values again: they may have changed since.
    if (next.toString() === query.toString()) loaded.reload();
    else navigate(`${location.pathname}?${next}`);
  }

  const reply = loaded.data;
  const names = reply?.metadata.feature_names ?? [];
  const row = reply?.results[0];
  return (
    <section class="card" aria-labelledby="lookup">
      <h2 id="lookup">Look up an entity</h2>
      {!view.online ? (
        <p class="muted">This view is offline only (<code>online: false</code>): it has no online values to look up.</p>
      ) : (
        <form class="row lookup" onSubmit={submit} key={asked}>
          {keys.map((k) => (
            <label key={k.name} class="stack">
              {k.name}
              <input
                name={k.name}
                required
                defaultValue={query.get(k.name) ?? ''}
                inputMode={k.type === 'int64' ? 'numeric' : undefined}
                aria-invalid={invalid === k.name ? 'true' : undefined}
                aria-describedby={invalid === k.name ? `lookup-error-${k.name}` : undefined}
              />
              {invalid === k.name && <span id={`lookup-error-${k.name}`} class="error small">{k.name} is an int64: give a whole number</span>}
            </label>
          ))}
          <button type="submit">Look up</button>
        </form>
      )}
      {entity && <LoadState error={loaded.error} loading={loaded.loading && !row} what="online values" />}
      {entity && row && (
        <div class="scroll" tabIndex={0}>
          <table class="lookup-values">
            <caption class="muted">
              Online values for {keys.map((k) => `${k.name} = ${entity[k.name]![0]}`).join(', ')}
            </caption>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Value</th>
                <th scope="col">Status</th>
                <th scope="col">Event time</th>
              </tr>
            </thead>
            <tbody>
              {view.schema.map((f) => {
                const i = names.indexOf(f.name);
                const status = row.statuses[i]!;
                const ts = status === 'NOT_FOUND' ? null : Date.parse(row.event_timestamps[i]!);
                return (
                  <tr key={f.name}>
                    <th scope="row">
                      {f.name} <span class="muted small">{f.dtype}</span>
                    </th>
                    <td class="wrap">{valueText(row.values[i])}</td>
                    <td><span class={`status feature-${status.toLowerCase().replace(/_/g, '-')}`}>{status}</span></td>
                    <td>{ts === null ? '—' : <time dateTime={row.event_timestamps[i]}>{formatTime(ts)}</time>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
