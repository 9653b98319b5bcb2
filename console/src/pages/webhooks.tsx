import { useState } from 'preact/hooks';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, redeliver, type CreatedWebhook } from '../../../shared/client/cicd';
import { webhookEventTypes } from '../../../shared/cicd/events';
import type { Webhook, WebhookDelivery } from '../../../shared/schemas/webhooks';
import { hub } from '../hub';
import { ConfirmDialog } from '../components/confirm-dialog';
import { CopyButton } from '../components/copy';
import { LoadState } from '../components/status';
import { useLoad } from '../components/use-load';
import { formatMs, formatTime } from '../format';

function CreateWebhookForm({ onCreated }: { onCreated: (created: CreatedWebhook) => void }) {
  const [error, setError] = useState<string | null>(null);
  async function create(event: Event) {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const events = data.getAll('events').map(String) as (typeof webhookEventTypes)[number][];
    try {
      if (!events.length) throw new Error('choose at least one event');
      onCreated(await createWebhook(hub, { url: String(data.get('url')).trim(), events, description: String(data.get('description') ?? '').trim() || undefined }));
      setError(null);
      form.reset();
    } catch (e) {
      setError((e as Error).message);
    }
  }
  return (
    <form onSubmit={create}>
      <div class="row">
        <label class="grow">
          URL <input name="url" type="url" required placeholder="https://ci.example.com/hooks/outpost" />
        </label>
        <label class="grow">
          Description <input name="description" maxLength={500} placeholder="retrain on new data" />
        </label>
      </div>
      <fieldset class="events">
        <legend>Events</legend>
        {webhookEventTypes.map((t) => (
          <label key={t}>
            <input type="checkbox" name="events" value={t} /> <code>{t}</code>
          </label>
        ))}
      </fieldset>
      {error && <p role="alert" class="error">{error}</p>}
      <button type="submit">Create webhook</button>
    </form>
  );
}

function DeliveryRow({ d, onRedeliver }: { d: WebhookDelivery; onRedeliver: () => void }) {
  return (
    <tr>
      <td>{formatTime(d.createdAt)}</td>
      <td><code>{d.type}</code></td>
      <td>{d.state}{d.state === 'pending' && d.nextAttemptAt ? ` (next ${formatTime(d.nextAttemptAt)})` : ''}</td>
      <td>{d.attempts}</td>
      <td>{d.lastStatus ?? '—'}</td>
      <td class="wrap">
        <details>
          <summary><code>{d.id}</code></summary>
          <ol class="attempts">
            {d.log.map((a, i) => (
              <li key={i}>
                {formatTime(a.at)}: {a.status ?? 'no answer'}{a.error ? ` — ${a.error}` : ''} in {formatMs(a.durationMs)}
                {a.response && <pre>{a.response}</pre>}
              </li>
            ))}
          </ol>
        </details>
      </td>
      <td>
        {d.state !== 'pending' && (
          <button type="button" class="secondary small" onClick={onRedeliver} aria-label={`Redeliver ${d.id}`}>Redeliver</button>
        )}
      </td>
    </tr>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const loaded = useLoad(() => listDeliveries(hub, webhook.id), [webhook.id]);
  const [error, setError] = useState<string | null>(null);
  return (
    <section class="card" aria-labelledby="deliveries">
      <h2 id="deliveries">Deliveries to {webhook.url}</h2>
      <button type="button" class="secondary small" onClick={loaded.reload}>Refresh</button>
      {error && <p role="alert" class="error">{error}</p>}
      {!loaded.data ? (
        <LoadState error={loaded.error} loading={loaded.loading} what="deliveries" />
      ) : loaded.data.deliveries.length === 0 ? (
        <p class="muted">Nothing sent yet: deliveries appear when a subscribed event happens.</p>
      ) : (
        <div class="scroll" tabIndex={0}>
          <table class="deliveries">
            <thead>
              <tr><th scope="col">Queued</th><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last status</th><th scope="col">Delivery and attempts</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {loaded.data.deliveries.map((d) => (
                <DeliveryRow
                  key={d.id}
                  d={d}
                  onRedeliver={() =>
                    redeliver(hub, webhook.id, d.id).then(
                      () => (setError(null), loaded.reload()),
                      (e: Error) => setError(e.message),
                    )
                  }
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** Webhook subscriptions (the secret shown once), each one's delivery log, and redelivery. Admin keys only. */
export function Webhooks() {
  const loaded = useLoad(() => listWebhooks(hub), []);
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Webhook | null>(null);
  const current = loaded.data?.webhooks.find((w) => w.id === selected) ?? null;
  return (
    <>
      <section class="card" aria-labelledby="webhooks-title">
        <h1 id="webhooks-title">Webhooks</h1>
        <p class="muted">
          Signed like Standard Webhooks (<code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>); failed deliveries are retried with backoff.
        </p>
        <CreateWebhookForm
          onCreated={(c) => {
            setCreated(c);
            setSelected(c.id);
            loaded.reload();
          }}
        />
        {created && (
          <div class="notice" role="status">
            <p>Copy the signing secret for {created.url} now: it is not shown again.</p>
            <code class="secret">{created.secret}</code> <CopyButton text={created.secret} label="Copy secret" />
          </div>
        )}
        {!loaded.data ? (
          <LoadState error={loaded.error} loading={loaded.loading} what="webhooks" />
        ) : loaded.data.webhooks.length === 0 ? (
          <p class="muted">No webhooks yet.</p>
        ) : (
          <div class="scroll" tabIndex={0}>
            <table class="webhooks">
              <thead>
                <tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Created</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
              </thead>
              <tbody>
                {loaded.data.webhooks.map((w) => (
                  <tr key={w.id} class={w.id === selected ? 'selected' : undefined}>
                    <td class="wrap">{w.url}{w.description && <div class="muted small">{w.description}</div>}</td>
                    <td class="wrap">{w.events.join(', ')}</td>
                    <td>{formatTime(w.createdAt)}</td>
                    <td>
                      <button type="button" class="secondary small" onClick={() => setSelected(w.id)} aria-label={`Deliveries of ${w.url}`}>Deliveries</button>{' '}
                      <button type="button" class="danger small" onClick={() => setRemoving(w)} aria-label={`Delete ${w.url}`}>Delete</button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {current && <Deliveries webhook={current} />}
      {removing && (
        <ConfirmDialog
          title={`Delete the webhook to ${removing.url}?`}
          confirmLabel="Delete"
          danger
          onConfirm={async () => {
            await deleteWebhook(hub, removing.id);
            if (selected === removing.id) setSelected(null);
            loaded.reload();
          }}
          onClose={() => setRemoving(null)}
        >
          <p>Its pending deliveries and its delivery log go with it.</p>
        </ConfirmDialog>
      )}
    </>
  );
}
