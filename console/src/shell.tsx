import { useEffect, useState } from 'preact/hooks';
import { getProject } from '../../shared/client/projects';
import type { Project } from '../../shared/schemas/projects';
import { hub } from './hub';
import { useOnline } from './components/online';
import { Compare } from './pages/compare';
import { Devices } from './pages/devices';
import { datasetsPage } from './pages/datasets/datasets-section';
import { featuresPage } from './pages/features/features-section';
import { Keys } from './pages/keys';
import { ModelPage } from './pages/models/model-page';
import { pipelinesPage } from './pages/pipelines/pipelines-section';
import { Models } from './pages/models/models-page';
import { RunDetail } from './pages/run/run-detail';
import { RunsPage } from './pages/runs/runs-page';
import { TryIt } from './pages/try-it';
import { Webhooks } from './pages/webhooks';
import { Link, navigate, useLocation, type Location } from './router';

const NAV = [
  { href: '/runs', label: 'Runs', match: /^\/runs/ },
  { href: '/compare', label: 'Compare', match: /^\/compare/ },
  { href: '/models', label: 'Models', match: /^\/models/ },
  { href: '/datasets', label: 'Datasets', match: /^\/datasets/ },
  { href: '/features', label: 'Features', match: /^\/features/ },
  { href: '/pipelines', label: 'Pipelines', match: /^\/pipeline/ },
  { href: '/devices', label: 'Devices', match: /^\/devices/ },
  { href: '/keys', label: 'Keys', match: /^\/keys/ },
  { href: '/webhooks', label: 'Webhooks', match: /^\/webhooks/ },
  { href: '/try', label: 'Try it', match: /^\/try/ },
];

function Page({ loc }: { loc: Location }) {
  const parts = loc.path.split('/').map(decodeURIComponent);
  const [, section, id] = parts;
  if (section === 'runs' && id) return <RunDetail id={id} />;
  if (section === 'runs') return <RunsPage query={loc.query} />;
  if (section === 'compare') return <Compare query={loc.query} />;
  if (section === 'models' && id) return <ModelPage name={id} />;
  if (section === 'models') return <Models />;
  const datasets = section === 'datasets' && datasetsPage(parts.slice(2).filter(Boolean), loc.query);
  if (datasets) return datasets;
  const features = section === 'features' && featuresPage(parts.slice(2).filter(Boolean), loc.query);
  if (features) return features;
  const pipelines = (section === 'pipelines' || section === 'pipeline-runs') && pipelinesPage(section, parts.slice(2).filter(Boolean), loc.query);
  if (pipelines) return pipelines;
  if (section === 'devices') return <Devices />;
  if (section === 'keys') return <Keys />;
  if (section === 'webhooks') return <Webhooks />;
  if (section === 'try') return <TryIt />;
  return (
    <section class="card">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{loc.path}</code>. Go to <Link href="/runs">Runs</Link>.
      </p>
    </section>
  );
}

/** The signed-in console: navigation, the project, an offline notice, and the page for the URL. */
export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const loc = useLocation();
  const online = useOnline();
  const [project, setProject] = useState<Project | null>(null);
  useEffect(() => {
    getProject(hub).then((r) => setProject(r.project), () => setProject(null));
  }, [online]);
  useEffect(() => {
    if (loc.path === '/' || loc.path === '/index.html') navigate('/runs', { replace: true });
  }, [loc.path]);
  const page = NAV.find((n) => n.match.test(loc.path));
  useEffect(() => {
    document.title = page ? `${page.label} · Outpost` : 'Outpost';
  }, [page]);

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="bar">
        <Link href="/runs" class="brand">Outpost</Link>
        <span class="project">{project ? `project ${project.name}` : ''}</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.href}>
                <Link href={n.href} aria-current={page === n ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class="bar-end">
          <a href="/docs">API</a>
          <button type="button" class="link" onClick={onSignOut}>Sign out</button>
        </span>
      </header>
      {!online && (
        <p class="offline" role="status">
          You are offline. Pages still open from the console's cache; data loads again when the connection is back.
        </p>
      )}
      <main id="main" tabIndex={-1}>
        <Page loc={loc} />
      </main>
    </>
  );
}
