// Ports of a user's pods on 127.0.0.1, through the API server's port-forward (as `kubectl
// port-forward` does): an attached cluster publishes nothing on the host. Each local
// connection gets its own forward to the pod by name, so a pod created again under the same
// name (a start after a kill, or its operator's doing) is reached with no new listener.
import { createServer, type Server, type Socket } from 'node:net';
import { PortForward } from '@kubernetes/client-node';
import type { Kube } from '../kube';

export class PortForwards {
  private readonly servers: Server[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly forward: PortForward;
  /** Forward errors (e.g. nothing listens on the pod's port), newest last, for error messages. */
  readonly errors: string[] = [];

  constructor(kube: Kube) {
    this.forward = new PortForward(kube.config);
  }

  /** Listens on 127.0.0.1 (a free port) and forwards each connection to the pod's port; returns the local port. */
  open(namespace: string, pod: string, port: number): Promise<number> {
    const server = createServer((socket) => this.connect(socket, namespace, pod, port));
    this.servers.push(server);
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  }

  private connect(socket: Socket, namespace: string, pod: string, port: number): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // The forward's error channel: the pod refused or has no such port; the client sees a closed connection.
    const errors = {
      write: (chunk: Buffer) => {
        // The channel's first frame is only the port number, which arrives here empty.
        if (!chunk.length) return true;
        this.note(`${namespace}/${pod}:${port}: ${chunk.toString('utf8').trim()}`);
        socket.destroy();
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    this.forward
      .portForward(namespace, pod, [port], socket, errors as never, socket)
      .then((ws) => {
        const w = typeof ws === 'function' ? ws() : ws;
        if (!w) return socket.destroy();
        w.on('close', () => socket.end());
        w.on('error', () => socket.destroy());
        socket.once('close', () => w.close());
      })
      .catch((e: Error) => {
        this.note(`${namespace}/${pod}:${port}: ${e.message}`);
        socket.destroy();
      });
  }

  private note(line: string): void {
    this.errors.push(line);
    if (this.errors.length > 20) this.errors.shift();
  }

  /** Closes every listener and every forwarded connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(this.servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
