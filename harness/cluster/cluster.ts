// What an experiment sees of a running cluster, whatever runs it (Docker or Kubernetes, a
// cluster the harness started or one it attached to). Nothing here names a target.
import type { Pool, PoolOptions, Connection } from 'mysql2/promise';
import type { Topology, TabletPlan } from './topology';
import type { Database, VitessVersion } from './versions';
import type { SettingsInput } from '../settings';

export type PauseMethod = 'freezer' | 'sigstop';

/** One process of the cluster (a container here, a pod later), with the verbs faults use. */
export interface ClusterNode {
  readonly name: string;
  exec(command: string[]): Promise<{ exitCode: number; output: string }>;
  /**
   * Runs a program of the host (iptables, ip) inside the node's network namespace: network
   * faults act through it, so the images need no network tools and no extra capability.
   */
  execInNetwork(command: string[]): Promise<{ exitCode: number; output: string }>;
  kill(signal?: string): Promise<void>;
  /** Stops every process of the node, connections left open; says how (the runtime's freezer, or SIGSTOP when the freezer refused). */
  pause(): Promise<PauseMethod>;
  unpause(): Promise<void>;
  start(): Promise<void>;
  /** Its data is discarded at its next start, which then starts it over as a new node (tablets). */
  markForReprovision(): Promise<void>;
  /** Caps the node's CPU to this many cores (a fraction is fine); undefined lifts the cap. */
  limitCpu(cores: number | undefined): Promise<void>;
  /** Caps the node's memory (no swap); undefined lifts the cap. */
  limitMemory(bytes: number | undefined): Promise<void>;
  running(): Promise<boolean>;
  logs(): Promise<string>;
  /** Cumulative CPU time and current memory, for the container CPU/memory probe. */
  resources(): Promise<{ cpuNanos: number; systemNanos: number; onlineCpus: number; memoryBytes: number }>;
}

export type TabletRole = 'primary' | 'replica' | 'rdonly' | 'unknown';

export interface TabletHandle extends TabletPlan {
  readonly node: ClusterNode;
  /** vttablet's HTTP endpoint on the host (/debug/status, /debug/vars, /debug/health). */
  readonly debugUrl: string;
  /** Role as the topology server has it now. */
  role(): Promise<TabletRole>;
  /** This tablet's mysqld on the host (the port changes when its node is started again). */
  readonly mysqlEndpoint: { host: string; port: number; user: string };
  /** A direct connection to this tablet's mysqld, for verification only. */
  mysql(): Promise<Connection>;
  /** The database name Vitess gives this tablet's keyspace. */
  readonly dbName: string;
}

export interface VtctldClient {
  /** Runs one vtctldclient command; rejects with its output when it fails. */
  run(args: string[]): Promise<string>;
  json<T>(args: string[]): Promise<T>;
}

export interface Cluster {
  readonly runId: string;
  readonly topology: Topology;
  readonly vitess: VitessVersion;
  readonly database: Database;
  /** vtgate's MySQL endpoint on the host. */
  readonly vtgate: { host: string; port: number; debugUrl: string; node: ClusterNode };
  readonly vtctld: VtctldClient & { node: ClusterNode };
  readonly vtorc: { debugUrl: string; node: ClusterNode };
  readonly etcd: { node: ClusterNode };
  readonly tablets: TabletHandle[];
  /** Set when the harness attached to a cluster it did not start: where, and whether faults may be injected. */
  readonly attached?: { namespace: string; allowFaults: boolean };
  /** A mysql2 pool to vtgate; closed with the cluster. */
  vtgatePool(options?: Partial<PoolOptions>): Pool;
  tablet(alias: string): TabletHandle;
  /** The tablet that is primary of a shard now, per the topology server. */
  primaryOf(keyspace: string, shard: string): Promise<TabletHandle>;
  /** Seconds from the first container start to readiness. */
  readonly bringUpSeconds: number;
  /** Writes every node's log under the run's report folder; returns the folder. */
  saveLogs(): Promise<string>;
  /** Removes everything this run started; safe to call twice. */
  stop(): Promise<void>;
}

/** How to start a cluster, on any target (startCluster in start.ts picks the target). */
export interface ClusterOptions extends SettingsInput {
  topology?: Topology;
  runId?: string;
  progress?: (line: string) => void;
  /** Longest wait for any one bring-up stage. */
  stageTimeoutMs?: number;
  /** Extra flags per component, e.g. vtgate buffering for a failover experiment. */
  flags?: { vtgate?: string[]; vttablet?: string[]; vtorc?: string[]; vtctld?: string[] };
}

/** A cluster that could not be brought up: what failed, with its logs kept; nothing of it left running. */
export class ClusterStartError extends Error {
  override name = 'ClusterStartError';
}

/** A fault the cluster will not take: one the harness did not start, without the user's consent, or a verb its target cannot do. */
export class FaultRefusedError extends Error {
  override name = 'FaultRefusedError';
}
