import { useState } from 'preact/hooks';
import { moveAlias, rollbackAlias } from '../../../../shared/client/registry';
import { formatRef } from '../../../../shared/refs';
import { hub } from '../../hub';
import { ConfirmDialog } from '../../components/confirm-dialog';

/** Moves an alias (an existing one, or a new name) to a version, after a confirmation with a reason. */
export function PromoteDialog({ model, version, aliases, onDone, onClose }: { model: string; version: number; aliases: Record<string, number>; onDone: () => void; onClose: () => void }) {
  const names = Object.keys(aliases).sort();
  const [alias, setAlias] = useState(names.includes('production') ? 'production' : (names[0] ?? 'production'));
  const [force, setForce] = useState(false);
  const current = aliases[alias.trim()];
  return (
    <ConfirmDialog
      title={`Promote ${formatRef({ name: model, version })}`}
      confirmLabel="Promote"
      askReason
      onConfirm={async (reason) => {
        await moveAlias(hub, model, alias.trim(), { version, reason, ...(force ? { force } : {}) });
        onDone();
      }}
      onClose={onClose}
    >
      <label class="stack">
        Alias
        <input list="alias-names" value={alias} required onInput={(e) => setAlias(e.currentTarget.value)} />
      </label>
      <label>
        <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} /> Force past a failing policy gate (admin keys only; recorded in the history)
      </label>
      <datalist id="alias-names">
        {names.map((n) => (
          <option key={n} value={n} />
        ))}
      </datalist>
      <p>
        {current === version
          ? `${alias} already points at version ${version}.`
          : current != null
            ? `${model}@${alias} moves from version ${current} to version ${version}. Devices that load ${model}@${alias} get version ${version} on their next check.`
            : `${model}@${alias} is a new alias: it will point at version ${version}.`}
      </p>
    </ConfirmDialog>
  );
}

/** Moves an alias back to where its last move took it from (the hub's one-call rollback). */
export function RollbackDialog({ model, alias, from, to, onDone, onClose }: { model: string; alias: string; from: number; to: number; onDone: () => void; onClose: () => void }) {
  return (
    <ConfirmDialog
      title={`Roll back ${formatRef({ name: model, alias })}`}
      confirmLabel="Roll back"
      danger
      askReason
      onConfirm={async (reason) => {
        await rollbackAlias(hub, model, alias, reason);
        onDone();
      }}
      onClose={onClose}
    >
      <p>
        {model}@{alias} moves back from version {from} to version {to}, where its last move took it from.
      </p>
    </ConfirmDialog>
  );
}
