// Is the requested Vitess release one the images can be built from? A well-formed version
// (v0.99.0 parses as release 99.0.0) used to pass every check here and fail only in Jest's
// global setup, minutes later, deep in a Go build. Asked of the Go module proxy before
// anything starts, through the Go toolchain and the same module cache as build-vitess.sh.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryDir, vitessModuleDir } from '../cluster/docker/images';
import { KNOWN_WORKING, VersionError, VitessVersion } from '../cluster/versions';
import { CACHE_DIR } from '../paths';

/** What asking for one module version gave: Go's exit code and output, or why Go could not be asked. */
export type LookupResult = { code: number; output: string } | { error: string };
export type Lookup = (module: string) => Promise<LookupResult>;

const MODULE = 'vitess.io/vitess';
const LOOKUP_TIMEOUT_MS = 30_000;

/**
 * Go's words when a version does not exist or this proxy will not serve it: an HTTP 403 / 404 /
 * 410 from the proxy, a file:// proxy without it, or git's answer in direct mode. Anything else
 * (no network, no Go) says nothing about the version.
 */
const UNAVAILABLE = /: (403|404|410)\b|unknown revision|invalid version|reading file:\/\/\S+: no such file or directory/;

/** 'available', 'unavailable' (with Go's reason), or 'unchecked' (Go could not tell). */
export function judgeLookup(r: LookupResult): { state: 'available' } | { state: 'unavailable' | 'unchecked'; detail: string } {
  if ('error' in r) return { state: 'unchecked', detail: r.error };
  if (r.code === 0) return { state: 'available' };
  const detail = r.output.trim().split('\n').map((l) => l.trim()).filter(Boolean).join(' ') || `go exited ${r.code}`;
  return { state: UNAVAILABLE.test(r.output) ? 'unavailable' : 'unchecked', detail };
}

/** `go list -m -json vitess.io/vitess@<module>`: reads the version's .info only, a fraction of a second. */
export const goLookup: Lookup = (module) =>
  new Promise((resolve) => {
    const child = spawn('go', ['list', '-m', '-json', `${MODULE}@${module}`], {
      cwd: tmpdir(), // outside any go.mod
      env: { ...process.env, GOMODCACHE: join(CACHE_DIR, 'go-mod'), GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill(), LOOKUP_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: `cannot run go: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(signal ? { error: `go list took over ${LOOKUP_TIMEOUT_MS / 1000} s` } : { code: code ?? 1, output });
    });
  });

/** Binaries built earlier, or the module's source in the cache: no need to ask. */
const builtHere = (v: VitessVersion) => existsSync(join(binaryDir(v), 'vtgate')) || existsSync(vitessModuleDir(v));

export interface AvailabilityOptions {
  say: (line: string) => void;
  lookup?: Lookup;
  isBuilt?: (v: VitessVersion) => boolean;
}

/**
 * Throws VersionError (exit 2) when the Go module proxy says the release does not exist or is
 * not served; when Go cannot tell (offline, no Go), says so and lets the build report it.
 */
export async function assertVitessAvailable(v: VitessVersion, o: AvailabilityOptions): Promise<void> {
  if ((o.isBuilt ?? builtHere)(v)) return;
  const judged = judgeLookup(await (o.lookup ?? goLookup)(v.module));
  if (judged.state === 'available') return;
  if (judged.state === 'unchecked') {
    o.say(`could not check that Vitess ${v.release} (${MODULE}@${v.module}) is published (${judged.detail}); the image build will say if it is not`);
    return;
  }
  throw new VersionError(
    `unknown Vitess version ${v.release}: the Go module proxy has no ${MODULE}@${v.module} (${judged.detail}). ` +
      `Check the release exists (module v0.X.Y is release X.0.Y); known to work here: ${KNOWN_WORKING.join(', ')}.`,
  );
}
