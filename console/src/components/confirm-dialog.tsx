import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

interface Props {
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  /** Ask for a reason (kept in the audit log); the confirm button waits until one is typed. */
  askReason?: boolean;
  danger?: boolean;
  onConfirm: (reason: string) => Promise<void>;
  onClose: () => void;
}

/** A modal confirmation (the native <dialog>: focus stays inside, Escape cancels); the hub's refusal shows in it. */
export function ConfirmDialog({ title, children, confirmLabel, askReason, danger, onConfirm, onClose }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await onConfirm(reason.trim());
      ref.current?.close();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog ref={ref} onClose={onClose} aria-labelledby="dialog-title">
      <form onSubmit={submit}>
        <h2 id="dialog-title">{title}</h2>
        {children}
        {askReason && (
          <label class="stack">
            Reason
            <textarea name="reason" required maxLength={1000} rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} placeholder="why, for the audit log" />
          </label>
        )}
        {error && <p role="alert" class="error">{error}</p>}
        <div class="actions">
          <button type="button" class="secondary" onClick={() => ref.current?.close()}>Cancel</button>
          <button type="submit" class={danger ? 'danger' : undefined} disabled={busy || (askReason && !reason.trim())}>
            {busy ? 'Working…' : confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
