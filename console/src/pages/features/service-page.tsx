import { getFeatureService, listFeatures } from '../../../../shared/client/features';
import { formatRef } from '../../../../shared/refs';
import { hub } from '../../hub';
import { Snippet } from '../../components/copy';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { joinKeysOf, OwnerAndTags, viewHref, viewsOf } from './facts';

/** The service, and the join keys its views need (what a read of it must send). */
async function loadService(name: string) {
  const [service, list] = await Promise.all([getFeatureService(hub, name), listFeatures(hub)]);
  const views = new Set(viewsOf(service.features));
  const keys = list.feature_views.filter((v) => views.has(v.name)).flatMap((v) => joinKeysOf(v, list.entities).map((k) => k.name));
  return { service, joinKeys: [...new Set(keys)] };
}

const readSnippet = (service: string, keys: string[]) => `curl ${location.origin}/feast/get-online-features -H "Authorization: Bearer sk_…" \\
  -H "Content-Type: application/json" \\
  -d '{"feature_service": "${service}", "entities": {${keys.map((k) => `"${k}": […]`).join(', ')}}}'
npx outpost features get ${service}${keys.map((k) => ` --entity ${k}=…`).join('')}`;

/** One feature service: its features by view, and the model versions trained on it. */
export function FeatureServicePage({ name }: { name: string }) {
  const loaded = useLoad(() => loadService(name), [name]);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what={`feature service ${name}`} />;
  const { service, joinKeys } = loaded.data;
  return (
    <>
      <section class="card" aria-labelledby="service-title">
        <p class="crumbs"><Link href="/features/services">← Feature services</Link></p>
        <h1 id="service-title">{service.name}</h1>
        {service.description && <p>{service.description}</p>}
        {(service.owner || Object.keys(service.tags).length > 0) && (
          <dl class="facts">
            <OwnerAndTags of={service} />
          </dl>
        )}
        <Snippet label="Read it" code={readSnippet(service.name, joinKeys)} />
      </section>

      <section class="card" aria-labelledby="features">
        <h2 id="features">Features</h2>
        <div class="scroll" tabIndex={0}>
          <table class="kv">
            <thead>
              <tr><th scope="col">View</th><th scope="col">Fields</th></tr>
            </thead>
            <tbody>
              {viewsOf(service.features).map((view) => (
                <tr key={view}>
                  <th scope="row"><Link href={viewHref(view)}>{view}</Link></th>
                  <td>
                    {service.features
                      .filter((f) => f.startsWith(`${view}:`))
                      .map((f) => <code key={f} class="field">{f.slice(view.length + 1)}</code>)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <section class="card" aria-labelledby="model-versions">
        <h2 id="model-versions">Model versions using it</h2>
        {service.model_versions.length === 0 ? (
          <p class="muted">No model version names this service yet: a version registered with its feature service shows here.</p>
        ) : (
          <ul class="plain">
            {service.model_versions.map((v) => {
              const ref = formatRef({ name: v.model, version: v.version });
              return (
                <li key={ref}><Link href={`/models/${encodeURIComponent(v.model)}`}>{ref}</Link></li>
              );
            })}
          </ul>
        )}
      </section>
    </>
  );
}
