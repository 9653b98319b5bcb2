import type { VNode } from 'preact';
import { FeatureServicePage } from './service-page';
import { FeatureServices } from './services-page';
import { FeatureViewPage } from './view-page';
import { FeatureViews } from './views-page';

/** The page for `/features`, `/features/views/{name}`, `/features/services` or `/features/services/{name}`; null for any other path under it. */
export function featuresPage(parts: string[], query: URLSearchParams): VNode | null {
  const [kind, name, ...rest] = parts;
  if (rest.length) return null;
  if (kind === undefined || (kind === 'views' && !name)) return <FeatureViews />;
  if (kind === 'views') return <FeatureViewPage name={name!} query={query} />;
  if (kind === 'services') return name ? <FeatureServicePage name={name} /> : <FeatureServices />;
  return null;
}
