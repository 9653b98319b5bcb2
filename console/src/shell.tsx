import { useEffect, useState } from 'preact/hooks';
import { getProject } from '../../shared/client/projects';
import type { Project } from '../../shared/schemas/projects';
import { hub } from './hub';
import { mayAdminister, useIdentity } from './identity';
import { useOnline } from './components/online';
import { AuditPage } from './pages/audit/audit-page';
import { Compare } from './pages/compare';
import { Devices } from './pages/devices';
import { FirstOwner } from './pages/first-owner';
import { datasetsPage } from './pages/datasets/datasets-section';
import { featuresPage } from './pages/features/features-section';
import { Keys } from './pages/keys';
import { ModelPage } from './pages/models/model-page';
import { pipelinesPage } from './pages/pipelines/pipelines-section';
import { Models } from './pages/models/models-page';
import { RunDetail } from './pages/run/run-detail';
import { RunsPage } from './pages/runs/runs-page';
import { TeamPage } from './pages/team/team-page';
import { TryIt } from './pages/try-it';
import { Webhooks } from './pages/webhooks';
import { Link, navigate, useLocation, type Location } from './router';
import { deleteSession, switchProject, type SessionReply } from './teams-client';

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
  { href: '/team', label: 'Team', match: /^\/team/, admin: true },
  { href: '/audit', label: 'Audit', match: /^\/audit/, admin: true },
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
  if (section === 'team') return <TeamPage />;
  if (section === 'audit') return <AuditPage query={loc.query} />;
  return (
    <section class="card">
      <h1>Page not found</h1>
      <p>
        Nothing lives at <code>{loc.path}</code>. Go to <Link href="/runs">Runs</Link>.
      </p>
    </section>
  );
}

/** A person in several projects picks the one the console shows; the hub keeps the choice in the session. */
function ProjectSwitcher({ session, onSession }: { session: SessionReply; onSession: (s: SessionReply) => void }) {
  const [error, setError] = useState<string | null>(null);
  if (session.projects.length < 2) return <span class="project">project {session.project.name}</span>;
  return (
    <span class="project">
      <label>
        <span class="visually-hidden">Project</span>
        <select
          value={session.project.id}
          onChange={(e) => {
            const select = e.currentTarget;
            setError(null);
            switchProject(hub, select.value).then(onSession, (err: Error) => {
              select.value = session.project.id;
              setError(err.message);
            });
          }}
        >
          {session.projects.map((p) => (
            <option key={p.id} value={p.id}>project {p.name} ({p.role})</option>
          ))}
        </select>
      </label>
      {error && <span role="alert" class="error"> {error}</span>}
    </span>
  );
}

/** The signed-in console: navigation, the project, who is signed in, an offline notice, and the page for the URL. */
export function Shell({ onSignedOut, onSession }: { onSignedOut: (notice?: string) => void; onSession: (session: SessionReply) => void }) {
  const loc = useLocation();
  const online = useOnline();
  const identity = useIdentity();
  const person = identity.kind === 'person' ? identity.session : null;
  const [project, setProject] = useState<Project | null>(null);
  useEffect(() => {
    if (!person) getProject(hub).then((r) => setProject(r.project), () => setProject(null));
  }, [online]);
  useEffect(() => {
    if (loc.path === '/' || loc.path === '/index.html') navigate('/runs', { replace: true });
  }, [loc.path]);
  const nav = NAV.filter((n) => !n.admin || mayAdminister(identity));
  const page = nav.find((n) => n.match.test(loc.path));
  useEffect(() => {
    document.title = page ? `${page.label} · Outpost` : 'Outpost';
  }, [page]);
  async function signOut() {
    // The hub deletes the session; if it cannot be reached the cookie stays valid, so say so rather than pretend.
    const failed = person ? await deleteSession(hub).then(() => null, (e: Error) => e.message) : null;
    onSignedOut(failed ? `Signed out of this tab, but the hub did not end the session (${failed}): sign out again once it is reachable.` : undefined);
  }

  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="bar">
        <Link href="/runs" class="brand">Outpost</Link>
        {person ? <ProjectSwitcher session={person} onSession={onSession} /> : <span class="project">{project ? `project ${project.name}` : ''}</span>}
        <nav aria-label="Main">
          <ul>
            {nav.map((n) => (
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
          {person ? (
            <span class="who" title={`${person.user.name} <${person.user.email}>`}>
              <span class="who-name">{person.user.name}</span> <span class="muted small">({person.project.role})</span>
            </span>
          ) : (
            <span class="who muted">signed in with a key</span>
          )}
          <button type="button" class="link" onClick={signOut}>Sign out</button>
        </span>
      </header>
      {!person && <FirstOwner onSession={onSession} />}
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
