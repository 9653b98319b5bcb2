import type { ComponentChildren } from 'preact';

/**
 * What a new user sees instead of an empty table: what this is for, and what to do next. As a whole page (`page`)
 * it is a card with the page's heading; inside a card, a section of it.
 */
export function EmptyState({ title, page, children }: { title: string; page?: boolean; children: ComponentChildren }) {
  return (
    <section class={page ? 'card empty' : 'empty'}>
      {page ? <h1>{title}</h1> : <h2>{title}</h2>}
      {children}
    </section>
  );
}

const hub = () => location.origin;

/** Commands that log runs from a training script (MLflow's client keeps working against the hub). */
export const trackingSnippet = () => `export MLFLOW_TRACKING_URI=${hub()} MLFLOW_TRACKING_TOKEN=sk_…
python -c "import mlflow
mlflow.set_experiment('mnist')
with mlflow.start_run():
    mlflow.log_param('lr', 0.01)
    for step in range(100): mlflow.log_metric('loss', 1 / (step + 1), step=step)"`;

export const modelPushSnippet = () => `export OUTPOST_HUB=${hub()} OUTPOST_KEY=sk_…
npx outpost model push model.onnx --name digits --alias staging
npx outpost model promote digits 1 --alias production --reason "first release"`;

/** The script tag a web page pastes to load models from this hub and report telemetry. */
export const scriptTagSnippet = () => `<script src="${hub()}/runtime.js"></script>
<script type="module">
  const op = await Outpost.connect({ hub: '${hub()}', key: 'pk_…' });
  const model = await op.load('digits@production');
</script>`;
