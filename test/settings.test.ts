import { keepLogsAlways } from '../harness/experiment/run';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSettings } from '../harness/settings';

function config(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'vc-settings-')), 'config.json');
  writeFileSync(path, content);
  return path;
}

describe('settings', () => {
  test('defaults: the newest release known to work, on MySQL 9.7', () => {
    const s = resolveSettings({}, { VITESS_CHAOS_CONFIG: config('{}') });
    expect([s.vitess.release, s.database.id]).toEqual(['24.0.4', 'mysql-9.7']);
  });

  test('explicit input beats env, env beats the config file', () => {
    const file = config('{"vitess": "23.0.3"}');
    expect(resolveSettings({}, { VITESS_CHAOS_CONFIG: file }).vitess.release).toBe('23.0.3');
    expect(resolveSettings({}, { VITESS_CHAOS_CONFIG: file, VITESS_CHAOS_VITESS: 'v0.24.3' }).vitess.release).toBe('24.0.3');
    expect(resolveSettings({ vitess: '23.0.5' }, { VITESS_CHAOS_CONFIG: file, VITESS_CHAOS_VITESS: '24.0.3' }).vitess.release).toBe('23.0.5');
  });

  test('the target: docker unless told k8s (input, env, config file), anything else refused', () => {
    const none = config('{}');
    expect(resolveSettings({}, { VITESS_CHAOS_CONFIG: none }).target).toBe('docker');
    expect(resolveSettings({}, { VITESS_CHAOS_CONFIG: config('{"target": "k8s"}') }).target).toBe('k8s');
    expect(resolveSettings({}, { VITESS_CHAOS_CONFIG: none, VITESS_CHAOS_TARGET: 'k8s' }).target).toBe('k8s');
    expect(resolveSettings({ target: 'docker' }, { VITESS_CHAOS_CONFIG: none, VITESS_CHAOS_TARGET: 'k8s' }).target).toBe('docker');
    expect(() => resolveSettings({ target: 'kubernetes' }, { VITESS_CHAOS_CONFIG: none })).toThrow(/unknown target "kubernetes": use docker or k8s/);
    expect(resolveSettings({ target: 'k8s', kubeconfig: '/home/me/.kube/config' }, { VITESS_CHAOS_CONFIG: none }).kubeconfig).toBe('/home/me/.kube/config');
    expect(() => resolveSettings({ kubeconfig: '/home/me/.kube/config' }, { VITESS_CHAOS_CONFIG: none })).toThrow(/is for the k8s target; the target is docker/);
  });

  test('a bad config file says what is wrong', () => {
    expect(() => resolveSettings({}, { VITESS_CHAOS_CONFIG: config('{"vitesss": "24.0.3"}') })).toThrow(/unknown key\(s\) vitesss/);
    expect(() => resolveSettings({}, { VITESS_CHAOS_CONFIG: config('not json') })).toThrow(/cannot read/);
    expect(() => resolveSettings({}, { VITESS_CHAOS_CONFIG: '/nonexistent/vc.json' })).toThrow(/does not exist/);
  });
});

describe('VITESS_CHAOS_KEEP_LOGS', () => {
  test('always keeps node logs after a pass; unset or on-failure does not; anything else is refused', () => {
    expect(keepLogsAlways({ VITESS_CHAOS_KEEP_LOGS: 'always' })).toBe(true);
    expect(keepLogsAlways({})).toBe(false);
    expect(keepLogsAlways({ VITESS_CHAOS_KEEP_LOGS: 'on-failure' })).toBe(false);
    expect(() => keepLogsAlways({ VITESS_CHAOS_KEEP_LOGS: 'yes' })).toThrow(/use "always" or "on-failure"/);
  });
});
