import { listFeatures } from '../../../../shared/client/features';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { Link } from '../../router';
import { FeaturesTabs, serviceHref, viewHref, viewsOf } from './facts';
import { FeaturesEmpty } from './views-page';

/** Feature services: the named feature lists models ask for. */
export function FeatureServices() {
  const loaded = useLoad(() => listFeatures(hub), []);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what="feature services" />;
  const { feature_services: services, feature_views: views } = loaded.data;
  if (views.length === 0 && services.length === 0) return <FeaturesEmpty />;
  return (
    <section class="card" aria-labelledby="services-title">
      <h1 id="services-title">Feature services</h1>
      <FeaturesTabs current="services" />
      {services.length === 0 ? (
        <p class="muted">
          No feature services: add <code>feature_services</code> (a name and <code>view:field</code> references) to the definitions file and apply it again.
        </p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table class="feature-services">
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col" class="num">Features</th>
                <th scope="col">Views</th>
                <th scope="col">Owner</th>
              </tr>
            </thead>
            <tbody>
              {services.map((s) => (
                <tr key={s.name}>
                  <td>
                    <Link href={serviceHref(s.name)}>{s.name}</Link>
                    {s.description && <div class="muted small wrap">{s.description}</div>}
                  </td>
                  <td class="num">{s.features.length}</td>
                  <td>
                    {viewsOf(s.features).map((v) => (
                      <Link key={v} href={viewHref(v)} class="chip">{v}</Link>
                    ))}
                  </td>
                  <td>{s.owner || <span class="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
