import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP server on loopback that a test can stop and start again on the same port (a site or a hub going away
 * and coming back).
 */
export class LoopbackServer {
  private server: Server | undefined;
  port = 0;

  constructor(private readonly handler: RequestListener) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on `port` (0: any free one; the same one again after `stop`). */
  async start(port = 0): Promise<void> {
    const server = createServer(this.handler);
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  /** Closes the server and every open connection at once. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
