import * as Comlink from 'comlink';
import { OutpostRuntimeError } from '../errors.js';
import { createOnnxSession } from './engines/onnx.js';
import { createTfjsSession } from './engines/tfjs.js';
import { installErrorTransfer, type InferenceWorkerApi, type WorkerConfig } from './protocol.js';
import type { Feeds, Outputs } from './tensors.js';

/** The inference worker: holds sessions, runs them off the page's main thread, transfers outputs back. */
interface Session {
  run(feeds: Feeds, dtypes: Record<string, string>): Promise<Outputs>;
  dispose(): Promise<void>;
}

installErrorTransfer();
let config: WorkerConfig | undefined;
const sessions = new Map<number, Session>();
let next = 1;

const outputBuffers = (outputs: Outputs) => Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer);

const api: InferenceWorkerApi = {
  async init(c) {
    config = c;
  },
  async create(request) {
    if (!config) throw new Error('inference worker used before init');
    const files = Object.fromEntries(await Promise.all(Object.entries(request.files).map(async ([path, data]) => [path, data instanceof Blob ? await data.arrayBuffer() : data] as const)));
    const build = { ...request, files };
    const session = request.format === 'onnx' ? await createOnnxSession(config, build) : await createTfjsSession(config, build);
    const id = next++;
    sessions.set(id, session);
    return { session: id, backend: session.backend };
  },
  async run(id, feeds, dtypes) {
    const session = sessions.get(id);
    if (!session) throw new OutpostRuntimeError('disposed', 'this model was disposed: load it again');
    const outputs = await session.run(feeds, dtypes);
    return Comlink.transfer(outputs, outputBuffers(outputs));
  },
  async dispose(id) {
    await sessions.get(id)?.dispose();
    sessions.delete(id);
  },
};

Comlink.expose(api);
