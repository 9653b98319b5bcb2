import { useEffect } from 'preact/hooks';
import { listKeys } from '../../../../shared/client/keys';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatTime } from '../../format';
import { navigate } from '../../router';
import { getTeam, listAudit, type AuditEvent } from '../../teams-client';
import { usePages } from '../datasets/use-pages';

const PAGE = 50;

/** Who can be picked as the actor: the project's people and its keys (either list may be out of reach; then it is left out). */
async function loadActors() {
  const [team, keys] = await Promise.all([getTeam(hub).catch(() => ({ members: [] })), listKeys(hub).catch(() => ({ keys: [] }))]);
  return [
    ...team.members.map((m) => ({ id: m.userId, label: `${m.name} (${m.email})` })),
    ...keys.keys.map((k) => ({ id: k.id, label: `key ${k.name}` })),
  ];
}

/** The hub matches `action` exactly unless it ends in `.` or `*`; this field means "starts with". */
const actionPrefix = (typed: string) => (!typed || /[.*]$/.test(typed) ? typed : `${typed}*`);

const details = (e: AuditEvent) =>
  Object.entries(e.details ?? {})
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');

function Filters({ action, actor }: { action: string; actor: string }) {
  const actors = useLoad(loadActors, []);
  function apply(event: Event) {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const query = new URLSearchParams();
    for (const name of ['action', 'actor']) {
      const value = String(data.get(name) ?? '').trim();
      if (value) query.set(name, value);
    }
    navigate(`/audit${query.size ? `?${query}` : ''}`);
  }
  return (
    <form onSubmit={apply} class="row filters" aria-label="Filter the audit log">
      <label>
        Action starts with
        <input name="action" defaultValue={action} placeholder="member, model.alias" aria-describedby="action-help" />
      </label>
      <label>
        Actor
        <select name="actor" key={`${actor}/${actors.data?.length ?? 0}`}>
          <option value="">anyone</option>
          {actor && !actors.data?.some((a) => a.id === actor) && <option value={actor} selected>{actor}</option>}
          {actors.data?.map((a) => (
            <option key={a.id} value={a.id} selected={a.id === actor}>{a.label}</option>
          ))}
        </select>
      </label>
      <button type="submit">Filter</button>
      <p id="action-help" class="muted small">Actions are dotted: key.create, member.role, model.alias.set…</p>
    </form>
  );
}

/** Every change made in the project, newest first: who (person or key, by name), what, from where, and why. */
export function AuditPage({ query }: { query: URLSearchParams }) {
  const action = query.get('action') ?? '';
  const actor = query.get('actor') ?? '';
  const pages = usePages(async (pageToken: string | undefined) => {
    const reply = await listAudit(hub, { action: actionPrefix(action), actor, limit: PAGE, pageToken });
    return { items: reply.events, next: reply.nextPageToken ?? null };
  }, [action, actor]);
  useEffect(() => {
    document.title = 'Audit · Outpost';
  }, []);

  return (
    <section class="card" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <Filters action={action} actor={actor} />
      {pages.items.length > 0 && (
        <div class="scroll" tabIndex={0} aria-label="Audit events">
          <table class="audit">
            <thead>
              <tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Reason</th><th scope="col">Details</th></tr>
            </thead>
            <tbody>
              {pages.items.map((e) => (
                <tr key={e.id}>
                  <td>
                    {formatTime(Date.parse(e.at))}
                    <br />
                    <span class="muted small">from {e.address}</span>
                  </td>
                  <td class="wrap">
                    {e.actor.name}
                    {e.actor.type === 'key' && <span class="muted"> (key)</span>}
                  </td>
                  <td><code>{e.action}</code></td>
                  <td class="wrap">{e.target}</td>
                  <td class="wrap">{e.reason ?? <span class="muted">—</span>}</td>
                  <td class="wrap details small">{details(e)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages.error || (pages.loading && pages.items.length === 0) ? (
        <LoadState error={pages.error} loading={pages.loading} what="the audit log" />
      ) : (
        pages.items.length === 0 && (
          // A sparse filter may get an empty page that still has older events to look through.
          <p class="muted">{pages.next === null ? 'No change matches.' : 'No change matches among the newest events; look further back.'}</p>
        )
      )}
      {pages.next !== null && (
        <button type="button" class="secondary" onClick={pages.more} disabled={pages.loading}>
          {pages.loading ? 'Loading…' : 'Older events'}
        </button>
      )}
    </section>
  );
}
