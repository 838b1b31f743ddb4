// Which Vitess release and which database server a cluster runs, parsed and checked
// before anything touches Docker.

export class VersionError extends Error {
  override name = 'VersionError';
}

export interface VitessVersion {
  /** Vitess's own spelling, e.g. "24.0.3". */
  release: string;
  /** The Go module version of vitess.io/vitess, e.g. "v0.24.3". */
  module: string;
  major: number;
}

export interface Database {
  /** Our id, used in image tags: "mysql-9.7". */
  id: string;
  /** Debian packages that provide the server and its client. */
  packages: string[];
  family: 'mysql' | 'mariadb';
}

/** Releases run end to end on these machines; docker/README.md has the full matrix. */
export const KNOWN_WORKING: readonly string[] = ['24.0.4', '24.0.3', '23.0.3'];
export const DEFAULT_VITESS = '24.0.4';

export const DATABASES: Readonly<Record<string, Database>> = {
  'mysql-9.7': { id: 'mysql-9.7', packages: ['mysql-server-core', 'mysql-client-core'], family: 'mysql' },
};
export const DEFAULT_DATABASE = 'mysql-9.7';

const HOW_WRITTEN =
  'Vitess versions are written as the release ("24.0.3" or "v24.0.3") or as the Go module version ("v0.24.3")';

export function parseVitessVersion(input: string): VitessVersion {
  const text = input.trim();
  const release = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  const module = /^v0\.(\d+)\.(\d+)$/.exec(text);
  let major: number;
  let patch: number;
  if (module) {
    major = Number(module[1]);
    patch = Number(module[2]);
  } else if (release && release[1] !== '0' && release[2] === '0') {
    major = Number(release[1]);
    patch = Number(release[3]);
  } else {
    throw new VersionError(
      `unknown Vitess version "${input}". ${HOW_WRITTEN}; known to work here: ${KNOWN_WORKING.join(', ')}.`,
    );
  }
  return { release: `${major}.0.${patch}`, module: `v0.${major}.${patch}`, major };
}

export function parseDatabase(input: string): Database {
  const db = DATABASES[input.trim()];
  if (!db) {
    throw new VersionError(`unknown database "${input}"; choose one of: ${Object.keys(DATABASES).join(', ')}.`);
  }
  return db;
}

/**
 * Rejects pairs known not to work, with the reason, so nobody waits for a build and a
 * bring-up that cannot succeed.
 */
export function checkCompatible(vitess: VitessVersion, db: Database): void {
  if (db.family === 'mysql' && db.id.startsWith('mysql-9') && vitess.major < 23) {
    throw new VersionError(
      `Vitess ${vitess.release} cannot run ${db.id}: releases before 23 take MySQL 9.x for 5.7 and send ` +
        `STOP SLAVE, which 9.x rejects. Use Vitess 23 or newer (known to work: ${KNOWN_WORKING.join(', ')}).`,
    );
  }
}
