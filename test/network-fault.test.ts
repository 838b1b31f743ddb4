import { CHAIN, checkNetworkOptions, HEAL_RULES, injectRules, NetworkFault, parseGateway } from '../harness/faults/network';
import type { ClusterNode } from '../harness/cluster/cluster';
import { Timeline } from '../harness/observe/timeline';

describe('parseGateway', () => {
  const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
  test('reads the default route of the node (hex, least significant byte first)', () => {
    const table = `${HEADER}eth0\t0000000A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\neth0\t00000000\t010012AC\t0003\t0\t0\t0\t00000000\t0\t0\t0\n`;
    expect(parseGateway(table)).toBe('172.18.0.1');
  });
  test('no default route is an error that says what was found', () => {
    expect(() => parseGateway(HEADER)).toThrow(/no IPv4 default route.*\(none\)/);
  });
});

describe('injectRules', () => {
  const joined = (rules: string[][]) => rules.map((r) => r.join(' '));

  test('a partition from the cluster drops everything but loopback and the host, hooked in last', () => {
    const rules = joined(injectRules({ from: 'cluster', effect: { kind: 'partition' } }, '172.18.0.1'));
    expect(rules[0]).toBe(`-N ${CHAIN}`);
    expect(rules).toContain(`-A ${CHAIN} -s 172.18.0.1 -j RETURN`);
    expect(rules).toContain(`-A ${CHAIN} -d 172.18.0.1 -j RETURN`);
    expect(rules).toContain(`-A ${CHAIN} -i lo -j RETURN`);
    // The drop comes after every exception, and the hooks after the drop.
    const drop = rules.indexOf(`-A ${CHAIN} -j DROP`);
    expect(drop).toBeGreaterThan(rules.indexOf(`-A ${CHAIN} -d 172.18.0.1 -j RETURN`));
    expect(rules.slice(-2)).toEqual([`-I INPUT 1 -j ${CHAIN}`, `-I OUTPUT 1 -j ${CHAIN}`]);
  });

  test('from everything: the host is cut too', () => {
    const rules = joined(injectRules({ from: 'everything', effect: { kind: 'partition' } }));
    expect(rules.some((r) => r.includes('RETURN') && !r.includes(' lo '))).toBe(false);
  });

  test('by port: both directions of each port, nothing else', () => {
    const rules = joined(injectRules({ from: 'everything', ports: [3306], effect: { kind: 'partition' } }));
    expect(rules).toContain(`-A ${CHAIN} -p tcp --dport 3306 -j DROP`);
    expect(rules).toContain(`-A ${CHAIN} -p tcp --sport 3306 -j DROP`);
    expect(rules).not.toContain(`-A ${CHAIN} -j DROP`);
  });

  test('loss drops at random with the given probability', () => {
    expect(joined(injectRules({ from: 'everything', effect: { kind: 'loss', percent: 20 } }))).toContain(`-A ${CHAIN} -m statistic --mode random --probability 0.2 -j DROP`);
  });

  test('a partition from the cluster without the host address is refused', () => {
    expect(() => injectRules({ from: 'cluster', effect: { kind: 'partition' } })).toThrow(/gateway/);
  });

  test('healing unhooks before it flushes and deletes the chain', () => {
    expect(HEAL_RULES.map((r) => r[0])).toEqual(['-D', '-D', '-F', '-X']);
  });
});

describe('bad input is refused before anything is touched', () => {
  test.each([
    [{ ports: [0] }, /port 0 is not a TCP port/],
    [{ ports: [70000] }, /port 70000/],
    [{ ports: [] }, /empty port list/],
    [{ effect: { kind: 'loss' as const, percent: 0 } }, /loss of 0 %/],
    [{ effect: { kind: 'loss' as const, percent: 150 } }, /loss of 150 %/],
  ])('%j', (bad, message) => {
    expect(() => checkNetworkOptions({ effect: { kind: 'partition' }, ...bad })).toThrow(message);
  });
});

describe('NetworkFault against a node that records what it is told', () => {
  const ROUTES = 'Iface\tDestination\tGateway\neth0\t00000000\t0100000A\t0003\n';
  function recordingNode(): ClusterNode & { commands: string[] } {
    const commands: string[] = [];
    return {
      name: 'vc-test-tablet',
      commands,
      execInNetwork: async (c: string[]) => {
        commands.push(c.join(' '));
        return c[0] === 'cat' ? { exitCode: 0, output: ROUTES } : { exitCode: 0, output: '' };
      },
      running: async () => true,
    } as unknown as ClusterNode & { commands: string[] };
  }

  test('inject stamps the fault with the tablet, heal removes the chain once', async () => {
    const node = recordingNode();
    const tl = new Timeline();
    const f = new NetworkFault({ label: 'primary', pick: () => ({ node, alias: 'zone1-0000000200' }), from: 'cluster', effect: { kind: 'partition' } });
    const ctx = { cluster: {} as never, timeline: tl };
    await f.inject(ctx);
    const issued = tl.events().find((e) => e.kind === 'fault' && e.data?.stamp === 'issued');
    expect(issued?.data?.tablet).toBe('zone1-0000000200');
    expect(node.commands).toContain(`iptables -w -A ${CHAIN} -s 10.0.0.1 -j RETURN`);
    const before = node.commands.length;
    await f.heal(ctx);
    await f.heal(ctx);
    expect(node.commands.slice(before)).toEqual([...HEAL_RULES.map((r) => `iptables -w ${r.join(' ')}`), 'iptables -w -S']);
  });

  test('a heal that leaves a rule behind fails, saying what is left', async () => {
    const node = recordingNode();
    const f = new NetworkFault({ label: 'primary', pick: () => ({ node }), from: 'cluster', effect: { kind: 'partition' } });
    const ctx = { cluster: {} as never, timeline: new Timeline() };
    await f.inject(ctx);
    node.execInNetwork = async (c: string[]) => ({ exitCode: 0, output: c.includes('-S') ? `-N ${CHAIN}\n-A ${CHAIN} -j DROP` : '' });
    await expect(f.heal(ctx)).rejects.toThrow(/still in vc-test-tablet's network namespace/);
  });

  test('a rule the kernel refuses fails the inject with its message', async () => {
    const node = recordingNode();
    node.execInNetwork = async (c: string[]) => (c.includes('DROP') ? { exitCode: 4, output: 'iptables: No chain/target/match by that name.' } : { exitCode: 0, output: ROUTES });
    const f = new NetworkFault({ label: 'primary', pick: () => ({ node }), from: 'cluster', effect: { kind: 'partition' } });
    await expect(f.inject({ cluster: {} as never, timeline: new Timeline() })).rejects.toThrow(/iptables -A VITESS_CHAOS -j DROP failed.*No chain/);
  });
});
