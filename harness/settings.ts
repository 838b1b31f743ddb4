// Which Vitess version and database to run, and on which target: from the environment, else
// from a JSON config file, else the defaults. Validated here, before anything touches Docker.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths';
import {
  checkCompatible,
  Database,
  DEFAULT_DATABASE,
  DEFAULT_VITESS,
  parseDatabase,
  parseVitessVersion,
  VersionError,
  VitessVersion,
} from './cluster/versions';

/** Where clusters run: Docker containers, or pods on Kubernetes. */
export type Target = 'docker' | 'k8s';
export const TARGETS: readonly Target[] = ['docker', 'k8s'];

export interface Settings {
  vitess: VitessVersion;
  database: Database;
  target: Target;
  /** The Kubernetes cluster to use (target k8s); undefined: the local one `make k8s` runs. */
  kubeconfig?: string;
  /** Set: experiments attach to the Vitess already running in this namespace instead of starting one (target k8s). */
  attach?: Attach;
}

/** A cluster the harness did not start: where it is, and whether faults may be injected into it. */
export interface Attach {
  namespace: string;
  /** A label selector narrowing the namespace's pods (beside the operator's component label). */
  selector?: string;
  /** Faults are refused unless the user said so (--allow-faults). */
  allowFaults: boolean;
}

export interface SettingsInput {
  vitess?: string;
  database?: string;
  target?: string;
  kubeconfig?: string;
  namespace?: string;
  selector?: string;
  allowFaults?: boolean | string;
}

const CONFIG_FILE = 'vitess-chaos.config.json';

export function readConfigFile(path: string): SettingsInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new VersionError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const allowed = ['vitess', 'database', 'target', 'kubeconfig', 'namespace', 'selector', 'allowFaults'];
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new VersionError(`${path} must hold a JSON object like {"vitess": "24.0.3", "database": "mysql-9.7"}`);
  }
  const unknown = Object.keys(parsed).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw new VersionError(`${path}: unknown key(s) ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  return parsed as SettingsInput;
}

export function parseTarget(value: string): Target {
  if (!(TARGETS as readonly string[]).includes(value)) throw new VersionError(`unknown target "${value}": use ${TARGETS.join(' or ')}`);
  return value as Target;
}

function parseFlag(name: string, value: boolean | string | undefined): boolean {
  if (value === undefined || typeof value === 'boolean') return value ?? false;
  if (/^(1|true|yes)$/i.test(value)) return true;
  if (/^(0|false|no|)$/i.test(value)) return false;
  throw new VersionError(`${name} is "${value}": use true or false`);
}

/**
 * Resolves settings: explicit input beats env (VITESS_CHAOS_VITESS, _DB, _TARGET, _KUBECONFIG,
 * _NAMESPACE, _SELECTOR, _ALLOW_FAULTS) beats config file.
 */
export function resolveSettings(input: SettingsInput = {}, env: NodeJS.ProcessEnv = process.env): Settings {
  const configPath = env.VITESS_CHAOS_CONFIG ?? resolve(REPO_ROOT, CONFIG_FILE);
  if (env.VITESS_CHAOS_CONFIG && !existsSync(configPath)) {
    throw new VersionError(`VITESS_CHAOS_CONFIG names ${configPath}, which does not exist`);
  }
  const file = existsSync(configPath) ? readConfigFile(configPath) : {};
  const vitess = parseVitessVersion(input.vitess ?? env.VITESS_CHAOS_VITESS ?? file.vitess ?? DEFAULT_VITESS);
  const database = parseDatabase(input.database ?? env.VITESS_CHAOS_DB ?? file.database ?? DEFAULT_DATABASE);
  checkCompatible(vitess, database);
  const target = parseTarget(input.target ?? env.VITESS_CHAOS_TARGET ?? file.target ?? 'docker');
  const kubeconfig = input.kubeconfig ?? env.VITESS_CHAOS_KUBECONFIG ?? file.kubeconfig;
  if (kubeconfig !== undefined && target !== 'k8s') throw new VersionError(`a kubeconfig (${kubeconfig}) is for the k8s target; the target is ${target}`);
  const namespace = input.namespace ?? env.VITESS_CHAOS_NAMESPACE ?? file.namespace;
  const selector = input.selector ?? env.VITESS_CHAOS_SELECTOR ?? file.selector;
  const allowFaults = parseFlag('allowFaults (VITESS_CHAOS_ALLOW_FAULTS)', input.allowFaults ?? env.VITESS_CHAOS_ALLOW_FAULTS ?? file.allowFaults);
  if (namespace !== undefined && target !== 'k8s') throw new VersionError(`a namespace to attach to (${namespace}) is for the k8s target; the target is ${target}`);
  if (namespace === undefined && (selector !== undefined || allowFaults)) {
    throw new VersionError(`${selector !== undefined ? 'a selector' : 'allowing faults'} is for a cluster the harness attaches to: name its namespace too (--namespace, VITESS_CHAOS_NAMESPACE)`);
  }
  if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) throw new VersionError(`"${namespace}" is not a Kubernetes namespace name`);
  const attach: Attach | undefined = namespace === undefined ? undefined : { namespace, allowFaults, ...(selector !== undefined ? { selector } : {}) };
  return { vitess, database, target, ...(kubeconfig !== undefined ? { kubeconfig } : {}), ...(attach ? { attach } : {}) };
}
