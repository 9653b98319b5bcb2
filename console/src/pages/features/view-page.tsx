import { getFeatureView, listFeatures } from '../../../../shared/client/features';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatNumber, formatTime } from '../../format';
import { Link } from '../../router';
import { formatTtl, joinKeysOf, OwnerAndTags, serviceHref, sourceText } from './facts';
import { Lookup } from './lookup';

async function loadView(name: string) {
  const [view, list] = await Promise.all([getFeatureView(hub, name), listFeatures(hub)]);
  return { view, entities: list.entities.filter((e) => view.entities.includes(e.name)) };
}

/** One feature view: its definition, how fresh its stores are, the services that read it, and a lookup of one entity. */
export function FeatureViewPage({ name, query }: { name: string; query: URLSearchParams }) {
  const loaded = useLoad(() => loadView(name), [name]);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what={`feature view ${name}`} />;
  const { view, entities } = loaded.data;
  return (
    <>
      <section class="card" aria-labelledby="view-title">
        <p class="crumbs"><Link href="/features">← Feature views</Link></p>
        <h1 id="view-title">{view.name}</h1>
        {view.description && <p>{view.description}</p>}
        <dl class="facts">
          <dt>Entities</dt>
          <dd>
            <ul class="plain">
              {entities.map((e) => (
                <li key={e.name}>
                  {e.name}: join {e.join_keys.length === 1 ? 'key' : 'keys'} {e.join_keys.map((k) => <code key={k}>{k} </code>)}({e.value_type})
                </li>
              ))}
            </ul>
          </dd>
          <dt>TTL</dt>
          <dd>{formatTtl(view.ttl)}</dd>
          <dt>Source</dt>
          <dd>{sourceText(view.source)}</dd>
          <dt>Timestamps</dt>
          <dd>
            event <code>{view.timestamp_field}</code>
            {view.created_timestamp_column ? <>, created <code>{view.created_timestamp_column}</code></> : <span class="muted">, no created column</span>}
          </dd>
          <dt>Online</dt>
          <dd>{view.online ? 'yes: latest values are served by /feast/get-online-features' : 'no: offline only (training sets)'}</dd>
          <dt>Devices</dt>
          <dd>{view.devices ? 'exposed: publishable keys can read it and devices can push to it' : 'not exposed to publishable keys'}</dd>
          <OwnerAndTags of={view} />
        </dl>
      </section>

      <div class="columns">
        <section class="card" aria-labelledby="freshness">
          <h2 id="freshness">Freshness</h2>
          <dl class="facts">
            <dt>Newest event</dt>
            <dd>{view.stats.newest_event_ts == null ? <span class="muted">no rows yet</span> : formatTime(view.stats.newest_event_ts)}</dd>
            <dt>Rows offline</dt>
            <dd>{formatNumber(view.stats.offline_rows)}</dd>
            <dt>Rows online</dt>
            <dd>{formatNumber(view.stats.online_rows)}</dd>
            <dt>Last materialized</dt>
            <dd>{view.stats.last_materialized_at == null ? <span class="muted">never</span> : formatTime(view.stats.last_materialized_at)}</dd>
            <dt>Materialized until</dt>
            <dd>{view.materialized_until == null ? <span class="muted">—</span> : formatTime(view.materialized_until)}</dd>
          </dl>
        </section>

        <section class="card" aria-labelledby="services">
          <h2 id="services">Feature services</h2>
          {view.services.length === 0 ? (
            <p class="muted">No feature service reads this view.</p>
          ) : (
            <ul class="plain">
              {view.services.map((s) => (
                <li key={s}><Link href={serviceHref(s)}>{s}</Link></li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <section class="card" aria-labelledby="fields">
        <h2 id="fields">Fields</h2>
        <div class="scroll" tabIndex={0}>
          <table class="compact">
            <thead>
              <tr><th scope="col">Field</th><th scope="col">Type</th></tr>
            </thead>
            <tbody>
              {view.schema.map((f) => (
                <tr key={f.name}><th scope="row">{f.name}</th><td>{f.dtype}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <Lookup view={view} keys={joinKeysOf(view, entities)} query={query} />
    </>
  );
}
