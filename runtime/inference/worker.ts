import * as Comlink from 'comlink';
import { OutpostRuntimeError } from '../errors.js';
import { failedChecks } from '../cache/digest.js';
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

function throwIfFailed(label: string, failed: string[]): void {
  if (failed.length) throw new OutpostRuntimeError('integrity', `${label}: cached ${failed.join(', ')} failed the sha256 check`);
}

const outputBuffers = (outputs: Outputs) => Object.values(outputs).map((t) => t.data.buffer as ArrayBuffer);

const api: InferenceWorkerApi = {
  async init(c) {
    config = c;
  },
  async create(request) {
    if (!config) throw new Error('inference worker used before init');
    const files = Object.fromEntries(await Promise.all(Object.entries(request.files).map(async ([path, data]) => [path, data instanceof Blob ? await data.arrayBuffer() : data] as const)));
    // WebCrypto copies each buffer as it is called and hashes on a thread of its own, so the checks run while the session builds.
    const failures = request.checks ? failedChecks(files, request.checks) : Promise.resolve([]);
    const build = { ...request, files };
    const session = await (request.format === 'onnx' ? createOnnxSession(config, build) : createTfjsSession(config, build)).catch(async (err) => {
      // Damaged bytes may fail the build before the check ends: then the check's verdict is the error that counts.
      throwIfFailed(request.label, await failures);
      throw err;
    });
    const failed = await failures;
    if (failed.length) {
      await session.dispose();
      throwIfFailed(request.label, failed);
    }
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
