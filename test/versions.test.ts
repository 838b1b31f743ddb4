import { checkCompatible, parseDatabase, parseVitessVersion } from '../harness/cluster/versions';

describe('Vitess versions', () => {
  test.each(['24.0.3', 'v24.0.3', 'v0.24.3', ' 24.0.3 '])('%s means Vitess 24.0.3', (input) => {
    expect(parseVitessVersion(input)).toEqual({ release: '24.0.3', module: 'v0.24.3', major: 24 });
  });

  test.each(['banana', '24', '24.1.0', '0.24.3', 'v1.2.3.4', ''])('"%s" is rejected with how versions are written', (input) => {
    expect(() => parseVitessVersion(input)).toThrow(/versions are written as the release .* known to work here: 24\.0\.4/);
  });

  test('releases before 23 are refused for MySQL 9, with the reason', () => {
    expect(() => checkCompatible(parseVitessVersion('22.0.4'), parseDatabase('mysql-9.7'))).toThrow(/STOP SLAVE/);
    expect(() => checkCompatible(parseVitessVersion('23.0.3'), parseDatabase('mysql-9.7'))).not.toThrow();
  });

  test('unknown databases list the choices', () => {
    expect(() => parseDatabase('postgres')).toThrow(/choose one of: mysql-9\.7/);
  });
});
