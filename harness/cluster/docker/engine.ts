// The Docker engine the harness talks to, and a readable error when there is none.
import Docker from 'dockerode';

export class EngineError extends Error {
  override name = 'EngineError';
}

let client: Docker | undefined;

export function docker(): Docker {
  client ??= new Docker();
  return client;
}

export async function assertEngine(timeoutMs = 5000, client: Docker = docker()): Promise<void> {
  const ping = client.ping();
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref(),
  );
  try {
    await Promise.race([ping, timeout]);
  } catch (e) {
    throw new EngineError(
      `No Docker engine answers (${(e as Error).message}). Run 'make docker' (as root on Debian it ` +
        `installs docker.io and starts dockerd), or start your engine so 'docker info' works, then retry.`,
    );
  }
}
