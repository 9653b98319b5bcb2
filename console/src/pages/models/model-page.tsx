import { useState } from 'preact/hooks';
import { aliasHistory, getModel, listVersions, type AliasEvent } from '../../../../shared/client/registry';
import { hub } from '../../hub';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatTime } from '../../format';
import { Link } from '../../router';
import { PromoteDialog, RollbackDialog } from './alias-dialogs';
import { RolloutsSection } from './rollouts-section';
import { AliasPolicies } from './alias-policies';
import { VersionsTable } from './versions-table';

type Dialog = { kind: 'promote'; version: number } | { kind: 'rollback'; alias: string; from: number; to: number } | null;

async function loadModel(name: string) {
  const [{ model }, { versions }, { events }] = await Promise.all([getModel(hub, name), listVersions(hub, name), aliasHistory(hub, name)]);
  return { model, versions, events };
}

/** Where the alias's last move came from: the version a rollback returns to, if any. */
const rollbackTarget = (events: AliasEvent[], alias: string) => events.find((e) => e.alias === alias)?.from ?? null;

/** One model: its aliases (promote, roll back), versions with signature and lineage, and the alias audit log. */
export function ModelPage({ name }: { name: string }) {
  const loaded = useLoad(() => loadModel(name), [name]);
  const [dialog, setDialog] = useState<Dialog>(null);
  if (!loaded.data) return <LoadState error={loaded.error} loading={loaded.loading} what={`model ${name}`} />;
  const { model, versions, events } = loaded.data;
  const aliases = Object.entries(model.aliases).sort(([a], [b]) => a.localeCompare(b));

  return (
    <>
      <section class="card">
        <p class="crumbs"><Link href="/models">← Models</Link></p>
        <h1>{model.name}</h1>
        {model.description && <p>{model.description}</p>}
        <p class="muted">
          {model.devices ? 'Exposed to devices: publishable keys can load it.' : 'Not exposed to devices (publishable keys cannot load it).'} Load it from a page with{' '}
          <code>op.load('{model.name}@production')</code>.
        </p>
      </section>

      <section class="card" aria-labelledby="aliases">
        <h2 id="aliases">Aliases</h2>
        {aliases.length === 0 ? (
          <p class="muted">No aliases yet: promote a version below to give it one (e.g. production).</p>
        ) : (
          <table class="aliases">
            <thead>
              <tr><th scope="col">Alias</th><th scope="col">Version</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {aliases.map(([alias, version]) => {
                const back = rollbackTarget(events, alias);
                return (
                  <tr key={alias}>
                    <th scope="row">{alias}</th>
                    <td>{version}</td>
                    <td>
                      <button
                        type="button"
                        class="secondary small"
                        disabled={back === null}
                        title={back === null ? 'no earlier version to roll back to' : undefined}
                        onClick={() => back !== null && setDialog({ kind: 'rollback', alias, from: version, to: back })}
                      >
                        Roll back{back !== null ? ` to ${back}` : ''}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>

      <AliasPolicies model={model.name} aliases={aliases.map(([a]) => a)} />

      <section class="card" aria-labelledby="versions">
        <h2 id="versions">Versions</h2>
        <VersionsTable model={model.name} versions={versions} onPromote={(version) => setDialog({ kind: 'promote', version })} />
      </section>

      <RolloutsSection model={model.name} />

      <section class="card" aria-labelledby="history">
        <h2 id="history">Alias history</h2>
        {events.length === 0 ? (
          <p class="muted">No alias has moved yet.</p>
        ) : (
          <div class="scroll" tabIndex={0}>
            <table class="history">
              <thead>
                <tr><th scope="col">When</th><th scope="col">Alias</th><th scope="col">Change</th><th scope="col">By</th><th scope="col">Reason</th></tr>
              </thead>
              <tbody>
                {events.map((e, i) => (
                  <tr key={i}>
                    <td>{formatTime(e.at)}</td>
                    <td>{e.alias}</td>
                    <td>{e.from ?? '—'} → {e.to ?? 'removed'}</td>
                    <td>{e.actor?.name ?? '—'}</td>
                    <td class="wrap">
                      {e.forced && <strong>forced past the policy: </strong>}
                      {e.reason || <span class="muted">none given</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {dialog?.kind === 'promote' && (
        <PromoteDialog model={model.name} version={dialog.version} aliases={model.aliases} onDone={loaded.reload} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'rollback' && (
        <RollbackDialog model={model.name} alias={dialog.alias} from={dialog.from} to={dialog.to} onDone={loaded.reload} onClose={() => setDialog(null)} />
      )}
    </>
  );
}
