// The Kubernetes API as the harness uses it: a kubeconfig, the core API, exec and errors worded.
import { CoreV1Api, Exec, HttpError, KubeConfig, type V1Pod, type V1Status } from '@kubernetes/client-node';
import { Writable } from 'node:stream';

export class KubeError extends Error {
  override name = 'KubeError';
}

export interface Kube {
  config: KubeConfig;
  core: CoreV1Api;
  exec: Exec;
  /** Where the kubeconfig came from, for messages. */
  source: string;
}

export function connect(kubeconfig: string): Kube {
  const config = new KubeConfig();
  try {
    config.loadFromFile(kubeconfig);
  } catch (e) {
    throw new KubeError(`cannot read the kubeconfig ${kubeconfig}: ${(e as Error).message}`);
  }
  return { config, core: config.makeApiClient(CoreV1Api), exec: new Exec(config), source: kubeconfig };
}

/** The API's own words for a failed call (its Status message), not the client's generic "HTTP request failed". */
export function apiWords(e: unknown): string {
  if (e instanceof HttpError) return `${e.statusCode ?? '?'} ${(e.body as { message?: string } | undefined)?.message ?? e.message}`;
  return (e as Error).message;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof HttpError && e.statusCode === 404;
}

/** A pod as the API has it now, or undefined when there is none by that name. */
export async function readPod(kube: Kube, namespace: string, name: string): Promise<V1Pod | undefined> {
  try {
    return (await kube.core.readNamespacedPod(name, namespace)).body;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw new KubeError(`reading pod ${namespace}/${name} failed: ${apiWords(e)}`);
  }
}

/** Answers within the time, or says how to get a cluster. */
export async function assertApi(kube: Kube, timeoutMs = 10_000): Promise<void> {
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref());
  try {
    await Promise.race([kube.core.listNode(), timeout]);
  } catch (e) {
    throw new KubeError(
      `No Kubernetes API answers for ${kube.source} (${apiWords(e)}). Run 'make k8s' (as root it builds and starts a ` +
        `single-node Kubernetes on 127.0.0.1), or pass --kubeconfig for a cluster of your own, then retry.`,
    );
  }
}

/** A command in a pod's container through the API (the kubelet's exec), its output streams kept apart. */
export async function execInPod(kube: Kube, namespace: string, pod: string, container: string, command: string[], timeoutMs = 600_000): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, done) {
        append(chunk.toString('utf8'));
        done();
      },
    });
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        f();
      }
    };
    const timer = setTimeout(() => finish(() => reject(new KubeError(`exec in ${namespace}/${pod}: no end within ${timeoutMs} ms: ${command.join(' ')}`))), timeoutMs);
    const onStatus = (status: V1Status) => {
      const code = status.status === 'Success' ? 0 : Number(status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message ?? 1);
      if (status.status !== 'Success' && !status.details?.causes?.some((c) => c.reason === 'ExitCode')) stderr += status.message ?? '';
      // The status comes before the last output frames are written; let them land first.
      setImmediate(() => finish(() => resolve({ exitCode: code, stdout, stderr })));
    };
    kube.exec
      .exec(namespace, pod, container, command, sink((s) => (stdout += s)), sink((s) => (stderr += s)), null, false, onStatus)
      // A stream closed with no status: the exit code is unknown, which is an error, not a 0.
      .then((ws) => ws.on('close', () => setTimeout(() => finish(() => reject(new KubeError(`exec in ${namespace}/${pod} closed without an exit status: ${command.join(' ')}`))), 200)))
      .catch((e: unknown) => finish(() => reject(new KubeError(`exec in ${namespace}/${pod} failed: ${apiWords(e)}`))));
  });
}
