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

/** A feature definitions file and the command that applies it (DESIGN §11's example). */
export const featuresApplySnippet = () => `cat > features.yaml <<'EOF'
entities:
  - { name: driver, join_keys: [driver_id], value_type: int64 }
feature_views:
  - name: driver_stats
    entities: [driver]
    ttl: 86400
    schema:
      - { name: conv_rate, dtype: float64 }
      - { name: trips, dtype: int64 }
    source: { push: driver_stats_push }
feature_services:
  - { name: driver_model_v1, features: ["driver_stats:conv_rate", "driver_stats:trips"] }
EOF
export OUTPOST_HUB=${hub()} OUTPOST_KEY=sk_…
npx outpost features apply features.yaml`;

/** The script tag a web page pastes to load models from this hub and report telemetry. */
export const scriptTagSnippet = () => `<script src="${hub()}/runtime.js"></script>
<script type="module">
  const op = await Outpost.connect({ hub: '${hub()}', key: 'pk_…' });
  const model = await op.load('digits@production');
</script>`;
