import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A customer's site on its own loopback port (another origin than the hub): a plain page that loads the runtime
 * with one script tag, and the one-line service worker that imports the hub's runtime-sw.js.
 */
export class Site {
  private server: Server | undefined;
  port = 0;

  constructor(private readonly hub: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  page(body = ''): string {
    return `<!doctype html><html><head><meta charset="utf-8"><title>customer page</title>
<script src="${this.hub}/runtime.js"></script></head><body><h1>customer page</h1>${body}</body></html>`;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/sw.js') {
        res.writeHead(200, { 'Content-Type': 'text/javascript' });
        res.end(`importScripts(${JSON.stringify(`${this.hub}/runtime-sw.js`)});`);
      } else if (path === '/' || path.endsWith('.html')) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(this.page());
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
