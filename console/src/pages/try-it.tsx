import { useEffect, useRef, useState } from 'preact/hooks';
import type { FineTune, Model, Outpost } from '../../../runtime/index';
import { session } from '../hub';
import { Snippet } from '../components/copy';
import { formatMs } from '../format';
import { Link } from '../router';

/** The demo's models (hub/demo/seed.ts): an ONNX classifier of 8×8 images and a small tfjs-layers one. */
const ONNX_REF = 'digits@production';
const TFJS_REF = 'digits-tfjs@production';

type Runtime = { connect: (o: { hub: string; key: string }) => Promise<Outpost> };
/** The runtime as a customer page gets it: the hub's own ES module build, loaded on this page at run time. */
const loadRuntime = () => import(/* @vite-ignore */ `${location.origin}/runtime/index.js`) as Promise<Runtime>;

/** A deterministic 8×8 "image" and a labelled 4-feature dataset for the fine-tune: class = which feature sum is largest. */
const image = (seed: number) => Float32Array.from({ length: 64 }, (_, i) => ((Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453) % 1 + 1) % 1);
function dataset(n: number) {
  const x = new Float32Array(n * 4);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    const f = [0, 1, 2, 3].map((j) => Math.abs(Math.sin((i + 1) * (j + 1) * 1.7)));
    x.set(f, i * 4);
    const scores = [f[0]! + f[1]!, f[2]!, f[3]! * 1.2];
    y[i * 3 + scores.indexOf(Math.max(...scores))] = 1;
  }
  return { x: { data: x, dims: [n, 4] }, y: { data: y, dims: [n, 3] } };
}

interface Inference {
  top: { label: number; score: number }[];
  ms: number;
}

/** Try it: this page loads the demo models with the browser runtime, runs them, fine-tunes one, and syncs back. */
export function TryIt() {
  const op = useRef<Outpost | null>(null);
  const [model, setModel] = useState<Model | null>(null);
  const [loadInfo, setLoadInfo] = useState<string>('');
  const [inference, setInference] = useState<Inference | null>(null);
  const [epochs, setEpochs] = useState<{ epoch: number; logs: Record<string, number> }[]>([]);
  const [ft, setFt] = useState<FineTune | null>(null);
  const [sync, setSync] = useState<string>('');
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => () => void op.current?.close(), []);

  async function step(name: string, fn: () => Promise<void>) {
    setBusy(name);
    setError(null);
    try {
      op.current ??= await (await loadRuntime()).connect({ hub: location.origin, key: session.key! });
      await fn();
    } catch (e) {
      setError(`${name}: ${(e as Error).message}`);
    } finally {
      setBusy(null);
    }
  }

  const load = () =>
    step('Load', async () => {
      const started = performance.now();
      const m = await op.current!.load(ONNX_REF);
      setModel(m);
      setLoadInfo(`${m.name} v${m.version} on ${m.backend}, from ${m.source === 'cache' ? 'this browser’s cache' : 'the hub'} in ${formatMs(performance.now() - started)}`);
    });

  const infer = (times: number) =>
    step('Run', async () => {
      let last: Inference | null = null;
      for (let i = 0; i < times; i++) {
        const started = performance.now();
        const input = model!.signature.inputs[0]!.name;
        const out = await model!.run({ [input]: { data: image(i), dims: [1, 64] } });
        const scores = Array.from(Object.values(out)[0]!.data as Float32Array);
        const top = scores.map((score, label) => ({ label, score })).sort((a, b) => b.score - a.score).slice(0, 3);
        last = { top, ms: performance.now() - started };
      }
      setInference(last);
    });

  const fineTune = () =>
    step('Fine-tune', async () => {
      setEpochs([]);
      const { x, y } = dataset(240);
      const result = await op.current!.finetune(TFJS_REF, {
        x,
        y,
        epochs: 5,
        batchSize: 16,
        learningRate: 0.05,
        optimizer: 'adam',
        validationSplit: 0.2,
        trainable: 'all',
        onEpoch: (epoch, logs) => setEpochs((e) => [...e, { epoch, logs }]),
      });
      setFt(result);
    });

  const flush = () =>
    step('Sync', async () => {
      const status = await op.current!.flush();
      setSync(`synced: ${status.pending} records waiting`);
    });

  const runId = ft?.run.id.replace(/-/g, '');
  return (
    <>
      <section class="card">
        <h1>Try it</h1>
        <p class="muted">
          This page uses the browser runtime as any web page would: it loads <code>{ONNX_REF}</code> into a Web Worker, runs it, fine-tunes{' '}
          <code>{TFJS_REF}</code> in another worker, and syncs the run and the inference telemetry back to this hub. Models come from the demo
          project (<code>OUTPOST_DEMO=1</code>, the default on a new database).
        </p>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </section>

      <section class="card" aria-labelledby="try-infer">
        <h2 id="try-infer">1. Load and run an ONNX model</h2>
        <div class="toolbar">
          <button type="button" onClick={load} disabled={busy !== null}>
            {busy === 'Load' ? 'Loading…' : `Load ${ONNX_REF}`}
          </button>
          <button type="button" onClick={() => infer(1)} disabled={!model || busy !== null}>
            Run once
          </button>
          <button type="button" onClick={() => infer(50)} disabled={!model || busy !== null}>
            Run 50 times
          </button>
        </div>
        {loadInfo && <p data-testid="load-info">Loaded {loadInfo}.</p>}
        {inference && (
          <p data-testid="inference">
            Top classes: {inference.top.map((t) => `${t.label} (${t.score.toFixed(3)})`).join(', ')} · last run {formatMs(inference.ms)}
          </p>
        )}
      </section>

      <section class="card" aria-labelledby="try-finetune">
        <h2 id="try-finetune">2. Fine-tune a tfjs model on this device</h2>
        <div class="toolbar">
          <button type="button" onClick={fineTune} disabled={busy !== null}>
            {busy === 'Fine-tune' ? 'Training…' : `Fine-tune ${TFJS_REF} (5 epochs)`}
          </button>
        </div>
        {epochs.length > 0 && (
          <div class="scroll" tabIndex={0}>
            <table>
              <caption class="muted">Per epoch, on 240 generated samples (20% held out)</caption>
              <thead>
                <tr>
                  <th scope="col">Epoch</th>
                  <th scope="col">loss</th>
                  <th scope="col">acc</th>
                  <th scope="col">val_loss</th>
                  <th scope="col">val_acc</th>
                </tr>
              </thead>
              <tbody>
                {epochs.map(({ epoch, logs }) => (
                  <tr key={epoch}>
                    <td>{epoch + 1}</td>
                    {['loss', 'acc', 'val_loss', 'val_acc'].map((k) => (
                      <td key={k}>{logs[k]?.toFixed(3) ?? '–'}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {ft && <p data-testid="finetune">Trained on {ft.backend}. The run is in experiment on-device.</p>}
      </section>

      <section class="card" aria-labelledby="try-sync">
        <h2 id="try-sync">3. Sync back and look</h2>
        <div class="toolbar">
          <button type="button" onClick={flush} disabled={busy !== null || !op.current}>
            Sync now
          </button>
          {sync && <span data-testid="sync">{sync}</span>}
        </div>
        <p>
          {runId ? <Link href={`/runs/${runId}`}>Open the fine-tune run</Link> : 'The fine-tune run'} · <Link href="/devices">Devices</Link> shows the
          inference telemetry.
        </p>
        <Snippet label="The same on your page" code={snippet()} />
      </section>
    </>
  );
}

const snippet = () => `<script src="${location.origin}/runtime.js"></script>
<script type="module">
  const op = await Outpost.connect({ key: 'pk_…' });
  const model = await op.load('${ONNX_REF}');
  const out = await model.run({ x: { data: new Float32Array(64), dims: [1, 64] } });
  const ft = await op.finetune('${TFJS_REF}', { x, y, epochs: 5, onEpoch });
  await op.flush();
</script>`;
