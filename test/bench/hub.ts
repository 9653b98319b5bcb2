import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newApiKey } from '../../shared/ids.js';
import { freePort, hubArgs, startProcess, stopProcess, waitForHealthy } from '../helpers/processes.js';

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

/**
 * A POST of raw bytes with node:http: undici's fetch costs the client more than the hub spends on large bodies.
 * A kept-alive socket the hub closed while this process was busy fails at once and is retried once on a connection
 * of its own (the pool may hold more such sockets), as Node's documentation advises: the hub never saw that request.
 */
export function postBytes(url: string, body: Uint8Array, headers: Record<string, string>, retried = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: retried ? false : agent, headers: { ...headers, 'content-length': body.byteLength } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode! < 300 ? resolve(text) : reject(new Error(`${url}: HTTP ${res.statusCode} ${text.slice(0, 300)}`))));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const staleSocket = req.reusedSocket && !retried && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      if (staleSocket) postBytes(url, body, headers, true).then(resolve, reject);
      else reject(new Error(`${url}: ${err.message}${retried ? ' (retried on a new connection)' : ''}`, { cause: err }));
    });
    req.end(body);
  });
}

export interface BenchHub {
  url: string;
  key: string;
  dataDir: string;
  call: (path: string, init?: { method?: string; json?: unknown; body?: BodyInit; headers?: Record<string, string> }) => Promise<any>;
  stop: () => Promise<void>;
  /** What the hub printed, for a failure message. */
  output: () => string;
}

/**
 * A real hub process on a temp folder, as `npm start` runs it, for the bench to load from another process. `env` adds
 * to (or overrides) the hub's environment, e.g. its rate limits.
 */
export async function startBenchHub(dataDir = mkdtempSync(join(tmpdir(), 'outpost-bench-')), env: Record<string, string> = {}): Promise<BenchHub> {
  const port = await freePort();
  const key = newApiKey('secret');
  const proc = startProcess(process.execPath, hubArgs(), {
    OUTPOST_DATA_DIR: dataDir,
    OUTPOST_PORT: String(port),
    OUTPOST_ADMIN_KEY: key,
    OUTPOST_DEMO: '0',
    OUTPOST_MAX_BODY: '512MB',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealthy(url, proc);
  const call: BenchHub['call'] = async (path, init = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...init.headers };
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    if (body instanceof Uint8Array || typeof body === 'string') {
      const text = await postBytes(url + path, typeof body === 'string' ? Buffer.from(body) : body, headers);
      return text ? JSON.parse(text) : null;
    }
    const res = await fetch(url + path, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text ? JSON.parse(text) : null;
  };
  return {
    url,
    key,
    dataDir,
    call,
    output: proc.output,
    stop: async () => {
      await stopProcess(proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
