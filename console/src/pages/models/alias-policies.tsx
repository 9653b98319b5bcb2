import { useState } from 'preact/hooks';
import { deleteAliasPolicy, listAliasPolicies, setAliasPolicy } from '../../../../shared/client/cicd';
import { describeRule, rulesFromText, rulesToText } from '../../../../shared/cicd/gate';
import type { AliasPolicy } from '../../../../shared/schemas/cicd';
import { hub } from '../../hub';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { LoadState } from '../../components/status';
import { useLoad } from '../../components/use-load';
import { formatTime } from '../../format';

const baselineText = (b: AliasPolicy['baseline']) => (b === null ? 'the version the alias points to when it moves' : typeof b === 'number' ? `version ${b}` : `the version of alias ${b}`);

function PolicyForm({ model, aliases, editing, onSaved }: { model: string; aliases: string[]; editing: AliasPolicy | null; onSaved: () => void }) {
  const [error, setError] = useState<string | null>(null);
  async function save(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const alias = String(data.get('alias')).trim();
    const baselineRaw = String(data.get('baseline') ?? '').trim();
    try {
      const rules = rulesFromText(String(data.get('rules')));
      if (!rules.length) throw new Error('write at least one rule');
      const baseline = baselineRaw === '' ? undefined : /^\d+$/.test(baselineRaw) ? Number(baselineRaw) : baselineRaw;
      await setAliasPolicy(hub, model, alias, { rules, baseline });
      setError(null);
      form.reset();
      onSaved();
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <form onSubmit={save} class="policy-form" key={editing?.alias ?? 'new'}>
      <div class="row">
        <label>
          Alias <input name="alias" list="policy-aliases" required defaultValue={editing?.alias ?? ''} placeholder="production" />
        </label>
        <datalist id="policy-aliases">
          {aliases.map((a) => (
            <option key={a} value={a} />
          ))}
        </datalist>
        <label>
          Baseline <input name="baseline" defaultValue={editing?.baseline === null || !editing ? '' : String(editing.baseline)} placeholder="(current version)" aria-describedby="baseline-help" />
        </label>
      </div>
      <label class="stack">
        Rules, one per line
        <textarea name="rules" required rows={3} defaultValue={editing ? rulesToText(editing.rules) : ''} placeholder={'accuracy>=0.9\nmin-relative-change accuracy=0.01'} aria-describedby="rules-help" />
      </label>
      <p id="rules-help" class="muted small">
        As the CLI's <code>outpost model gate</code> flags: <code>accuracy&gt;=0.9</code> (or <code>&gt;</code>, <code>&lt;=</code>, <code>&lt;</code>: lower is better),{' '}
        <code>min-absolute-change accuracy=0.01</code>, <code>min-relative-change accuracy=0.05</code>, <code>lower-is-better loss</code>.
      </p>
      <p id="baseline-help" class="muted small">Baseline: a version number or another alias; empty compares with the version the alias points to when it moves.</p>
      {error && <p role="alert" class="error">{error}</p>}
      <button type="submit">Save policy</button>
    </form>
  );
}

/** The gates this model's aliases require: view, set (or replace), remove. */
export function AliasPolicies({ model, aliases }: { model: string; aliases: string[] }) {
  const loaded = useLoad(() => listAliasPolicies(hub, model), [model]);
  const [editing, setEditing] = useState<AliasPolicy | null>(null);
  const [removing, setRemoving] = useState<AliasPolicy | null>(null);
  return (
    <section class="card" aria-labelledby="policies">
      <h2 id="policies">Alias policies</h2>
      <p class="muted">A version must pass its alias's gate to be promoted there; an admin key may force a move with a reason.</p>
      {!loaded.data ? (
        <LoadState error={loaded.error} loading={loaded.loading} what="policies" />
      ) : loaded.data.policies.length === 0 ? (
        <p class="muted">No alias requires a gate yet.</p>
      ) : (
        <table class="policies">
          <thead>
            <tr><th scope="col">Alias</th><th scope="col">Rules</th><th scope="col">Compared with</th><th scope="col">Updated</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            {loaded.data.policies.map((p) => (
              <tr key={p.alias}>
                <th scope="row">{p.alias}</th>
                <td class="wrap">{p.rules.map((r) => <div key={r.metric}>{describeRule(r)}</div>)}</td>
                <td class="wrap">{baselineText(p.baseline)}</td>
                <td>{formatTime(p.updatedAt)}</td>
                <td>
                  <button type="button" class="secondary small" onClick={() => setEditing(p)} aria-label={`Edit the policy of ${p.alias}`}>Edit</button>{' '}
                  <button type="button" class="danger small" onClick={() => setRemoving(p)} aria-label={`Remove the policy of ${p.alias}`}>Remove</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <PolicyForm
        model={model}
        aliases={aliases}
        editing={editing}
        onSaved={() => {
          setEditing(null);
          loaded.reload();
        }}
      />
      {removing && (
        <ConfirmDialog
          title={`Remove the policy of “${removing.alias}”?`}
          confirmLabel="Remove"
          danger
          onConfirm={async () => {
            await deleteAliasPolicy(hub, model, removing.alias);
            loaded.reload();
          }}
          onClose={() => setRemoving(null)}
        >
          <p>Moves of {model}@{removing.alias} are no longer gated.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
