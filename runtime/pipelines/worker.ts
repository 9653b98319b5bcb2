import { HubClient } from '../../shared/client/hub-client.js';
import { isPipeline, stepOf, type PipelineDefinition, type StepContext } from '../../shared/pipeline/define.js';
import { formatLogLine, toWireError, type PageMessage, type StepStart, type WorkerMessage } from './protocol.js';

/**
 * The pipeline-step worker (`/runtime/pipeline-worker.js`): imports a pipeline's bundle and runs one step's
 * `run(ctx)`, off the page's main thread. The page's runner owns the lease; everything the step reports goes to it.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope;
const controller = new AbortController();
const post = (message: WorkerMessage) => scope.postMessage(message);
let runId: Promise<string> | undefined;
let answerRunId: { resolve: (id: string) => void; reject: (err: Error) => void } | undefined;

scope.onmessage = (event: MessageEvent<PageMessage>) => {
  const message = event.data;
  if (message.type === 'start') void start(message);
  else if (message.type === 'abort') controller.abort(new DOMException(message.reason, 'AbortError'));
  else if (message.type === 'run-id') {
    if (message.id) answerRunId?.resolve(message.id);
    else answerRunId?.reject(new Error(message.error ?? 'the tracking run could not be made'));
  }
};

async function definitionOf(bundle: ArrayBuffer): Promise<PipelineDefinition> {
  const url = URL.createObjectURL(new Blob([bundle], { type: 'text/javascript' }));
  try {
    const mod = (await import(/* @vite-ignore */ url)) as { default?: unknown };
    if (!isPipeline(mod.default)) throw new Error('the module\'s default export is not a pipeline: export default definePipeline({ … }) from "outpost/pipeline"');
    return mod.default;
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function start(m: StepStart) {
  try {
    const definition = await definitionOf(m.bundle);
    const step = stepOf(definition, m.step);
    const ctx: StepContext<StepStart['params']> = {
      inputs: m.inputs,
      params: m.params,
      attempt: m.attempt,
      log: (...args) => post({ type: 'log', line: formatLogLine(args) }),
      signal: controller.signal,
      run: {
        log: (metrics, at) => post({ type: 'metrics', metrics, ...(at === undefined ? {} : { step: at }) }),
        id: () =>
          (runId ??= new Promise<string>((resolve, reject) => {
            answerRunId = { resolve, reject };
            post({ type: 'run-id' });
          })),
      },
      hub: new HubClient({ hub: m.hub, key: m.key, init: { cache: 'no-store' } }),
      link: (kind, ref, role = 'read') => post({ type: 'link', kind, ref, role }),
      pipeline: m.pipeline,
    };
    const outputs = await step.run(ctx);
    post({ type: 'done', outputs: outputs ?? {} });
  } catch (err) {
    post({ type: 'failed', error: toWireError(err) });
  }
}
