import { getFeatureView, listFeatures } from '../../../../shared/client/features';
import { hub } from '../../hub';
import { Snippet } from '../../components/copy';
import { EmptyState, featuresApplySnippet } from '../../components/empty-state';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatNumber, formatTime } from '../../format';
import { Link } from '../../router';
import { EntityList, FeaturesTabs, formatTtl, sourceText, viewHref } from './facts';

/** The definitions, and each view's freshness: a project holds tens of views, so the console asks each. */
async function loadViews() {
  const list = await listFeatures(hub);
  const details = await Promise.all(list.feature_views.map((v) => getFeatureView(hub, v.name)));
  return { entities: list.entities, views: details, services: list.feature_services.length };
}

/** What a project without feature definitions sees: the file to write and the command that applies it. */
export function FeaturesEmpty() {
  return (
    <EmptyState title="No feature definitions yet" page>
      <p>
        Define entities, feature views and feature services in a YAML or JSON file and apply it with the CLI. Rows then arrive through{' '}
        <code>POST /feast/push</code>, and models read them with <code>POST /feast/get-online-features</code>.
      </p>
      <Snippet label="Shell" code={featuresApplySnippet()} />
    </EmptyState>
  );
}

/** Feature views: what they hold and how fresh their stores are. */
export function FeatureViews() {
  const loaded = useLoad(loadViews, []);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what="feature views" />;
  const { entities, views, services } = loaded.data;
  if (views.length === 0 && services === 0) return <FeaturesEmpty />;
  return (
    <section class="card" aria-labelledby="views-title">
      <h1 id="views-title">Feature views</h1>
      <FeaturesTabs current="views" />
      {views.length === 0 ? (
        <p class="muted">No feature views: apply a definitions file that has some (<code>npx outpost features apply features.yaml</code>).</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table class="feature-views">
            <thead>
              <tr>
                <th scope="col">View</th>
                <th scope="col">Entities</th>
                <th scope="col" class="num">Fields</th>
                <th scope="col">TTL</th>
                <th scope="col">Source</th>
                <th scope="col">Newest event</th>
                <th scope="col" class="num">Rows offline</th>
                <th scope="col" class="num">Rows online</th>
                <th scope="col">Last materialized</th>
              </tr>
            </thead>
            <tbody>
              {views.map((v) => (
                <tr key={v.name}>
                  <td>
                    <Link href={viewHref(v.name)}>{v.name}</Link>
                    <div class="muted small">{[v.online ? 'online' : 'offline only', v.devices && 'devices'].filter(Boolean).join(' · ')}</div>
                    {v.description && <div class="muted small wrap">{v.description}</div>}
                  </td>
                  <td><EntityList view={v} entities={entities} /></td>
                  <td class="num">{v.schema.length}</td>
                  <td>{formatTtl(v.ttl)}</td>
                  <td class="wrap">{sourceText(v.source)}</td>
                  <td>{formatTime(v.stats.newest_event_ts)}</td>
                  <td class="num">{formatNumber(v.stats.offline_rows)}</td>
                  <td class="num">{formatNumber(v.stats.online_rows)}</td>
                  <td>{v.stats.last_materialized_at == null ? <span class="muted">never</span> : formatTime(v.stats.last_materialized_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
