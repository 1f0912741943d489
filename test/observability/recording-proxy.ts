import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingProxy {
  /** Points the proxy at a base URL (a simulator's) and answers that base URL on the proxy, for the gateway. */
  forwardTo(target: string): string;
  /** The headers of every request forwarded so far, in arrival order. */
  received: IncomingHttpHeaders[];
  close(): Promise<void>;
}

/**
 * A plain HTTP proxy in front of one simulator that keeps the headers of each request it
 * forwards: what the upstream received, as the upstream would see it.
 */
export async function recordingProxy(): Promise<RecordingProxy> {
  let target: URL | undefined;
  const received: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    if (!target) {
      res.writeHead(502).end('no target');
      return;
    }
    received.push(req.headers);
    const forwarded = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    forwardTo: (url) => {
      target = new URL(url);
      return `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, '')}`;
    },
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
