import { LoopbackServer } from './loopback.js';

/**
 * A customer's site on its own loopback port (another origin than the hub): a plain page that loads the runtime
 * with one script tag, and the one-line service worker that imports the hub's runtime-sw.js.
 */
export class Site extends LoopbackServer {
  constructor(private readonly hub: string) {
    super((req, res) => {
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
  }

  page(body = ''): string {
    return `<!doctype html><html><head><meta charset="utf-8"><title>customer page</title>
<script src="${this.hub}/runtime.js"></script></head><body><h1>customer page</h1>${body}</body></html>`;
  }
}
