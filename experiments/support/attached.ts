// Cases a cluster the harness attached to cannot run (it did not start it): those needing its
// components started with flags, or faults through the node's runtime (caps, pause, network).
// There they are skipped, so the report names them as not run, rather than failed.
import { resolveSettings } from '../../harness/settings';

export const attached = resolveSettings().attach !== undefined;
/** `describe`, or `describe.skip` on an attached cluster. */
export const describeUnlessAttached = attached ? describe.skip : describe;
/** `test`, or `test.skip` on an attached cluster. */
export const testUnlessAttached = attached ? test.skip : test;
