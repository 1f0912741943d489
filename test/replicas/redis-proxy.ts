import net from 'node:net';

/**
 * A TCP proxy in front of Redis that a test can freeze (connections stay open, nothing is
 * answered, as with a Redis stopped by SIGSTOP or stuck on a slow disk) or take down
 * (connections reset and refused), and bring back.
 *
 * Frozen bytes wait in the socket buffers, as a stopped process's would, and flow again on
 * thaw: replies are never dropped, which would leave a client's reply queue out of step.
 */
interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  held: Array<[net.Socket, Buffer]>;
}

export class RedisProxy {
  private server: net.Server | undefined;
  private readonly pairs = new Set<Pair>();
  private frozen = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Listens (again) on the same port as before, or on a free one the first time. */
  async start(): Promise<void> {
    this.frozen = false;
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair: Pair = { client, upstream, held: [] };
      this.pairs.add(pair);
      // Bytes either way wait while frozen, in order, and go on thaw.
      client.on('data', (chunk: Buffer) => (this.frozen ? pair.held.push([upstream, chunk]) : upstream.write(chunk)));
      upstream.on('data', (chunk: Buffer) => (this.frozen ? pair.held.push([client, chunk]) : client.write(chunk)));
      const drop = () => {
        this.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Connections stay open; nothing goes either way until thaw. */
  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    for (const pair of this.pairs) {
      for (const [socket, chunk] of pair.held) socket.write(chunk);
      pair.held = [];
    }
  }

  /** Resets every connection and stops listening: Redis is down. */
  async stop(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A server that accepts connections and never says a word: a Redis frozen from the start. */
export async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket)).on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
