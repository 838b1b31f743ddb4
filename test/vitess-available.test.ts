// A Vitess release the Go module proxy does not serve is refused before anything starts; one
// that cannot be checked (offline, no Go) is let through with a line saying so.
import { VersionError, parseVitessVersion } from '../harness/cluster/versions';
import { assertVitessAvailable, judgeLookup, Lookup } from '../harness/cli/vitess-available';

// What `go list -m -json vitess.io/vitess@<v>` printed on this machine (2026-12-02).
const PROXY_REFUSED = 'go: vitess.io/vitess@v0.99.0: reading https://proxy.golang.org/vitess.io/vitess/@v/v0.99.0.info: 403 Forbidden\n\tserver response: This module version is not available.\n';
const FILE_PROXY_MISSING = 'go: vitess.io/vitess@v0.99.0: reading file:///tmp/gochk/proxy/vitess.io/vitess/@v/v0.99.0.info: no such file or directory\n';
const OFFLINE = 'go: vitess.io/vitess@v0.23.9: Get "http://127.0.0.1:1/vitess.io/vitess/@v/v0.23.9.info": dial tcp 127.0.0.1:1: connect: connection refused\n';
const FOUND = '{\n\t"Path": "vitess.io/vitess",\n\t"Version": "v0.24.3"\n}\n';

describe('judging the lookup', () => {
  test('found: available', () => {
    expect(judgeLookup({ code: 0, output: FOUND })).toEqual({ state: 'available' });
  });

  test('refused by the proxy, or absent from a file proxy: unavailable, with Go\'s words on one line', () => {
    expect(judgeLookup({ code: 1, output: PROXY_REFUSED })).toEqual({
      state: 'unavailable',
      detail: 'go: vitess.io/vitess@v0.99.0: reading https://proxy.golang.org/vitess.io/vitess/@v/v0.99.0.info: 403 Forbidden server response: This module version is not available.',
    });
    expect(judgeLookup({ code: 1, output: FILE_PROXY_MISSING }).state).toBe('unavailable');
    expect(judgeLookup({ code: 1, output: 'go: vitess.io/vitess@v0.99.0: unknown revision v0.99.0' }).state).toBe('unavailable');
  });

  test('no network, no Go: unchecked', () => {
    expect(judgeLookup({ code: 1, output: OFFLINE }).state).toBe('unchecked');
    expect(judgeLookup({ error: 'cannot run go: spawn go ENOENT' })).toEqual({ state: 'unchecked', detail: 'cannot run go: spawn go ENOENT' });
  });
});

describe('assertVitessAvailable', () => {
  const v = parseVitessVersion('v0.99.0');
  const lookup = (r: Awaited<ReturnType<Lookup>>) => jest.fn<ReturnType<Lookup>, Parameters<Lookup>>(async () => r);

  test('an unpublished version is a VersionError naming the release, the module and what works', async () => {
    const said: string[] = [];
    const look = lookup({ code: 1, output: PROXY_REFUSED });
    const check = assertVitessAvailable(v, { say: (l) => said.push(l), lookup: look, isBuilt: () => false });
    await expect(check).rejects.toThrow(VersionError);
    await expect(check).rejects.toThrow(/^unknown Vitess version 99\.0\.0: the Go module proxy has no vitess\.io\/vitess@v0\.99\.0 \(.*403 Forbidden.*\)\. .*known to work here: 24\.0\.4/);
    expect(look).toHaveBeenCalledWith('v0.99.0');
  });

  test('binaries already built: nothing asked', async () => {
    const look = lookup({ code: 1, output: PROXY_REFUSED });
    await assertVitessAvailable(v, { say: () => undefined, lookup: look, isBuilt: () => true });
    expect(look).not.toHaveBeenCalled();
  });

  test('cannot tell: said, and let through', async () => {
    const said: string[] = [];
    await assertVitessAvailable(v, { say: (l) => said.push(l), lookup: lookup({ code: 1, output: OFFLINE }), isBuilt: () => false });
    expect(said).toEqual([expect.stringMatching(/^could not check that Vitess 99\.0\.0 \(vitess\.io\/vitess@v0\.99\.0\) is published \(.*connection refused\); the image build will say if it is not$/)]);
  });
});
