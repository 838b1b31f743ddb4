import { demuxLogs } from '../harness/cluster/docker/docker-node';

const frame = (stream: 1 | 2, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe('container logs', () => {
  test('stdout and stderr frames are split and kept in the order written', async () => {
    const buf = Buffer.concat([frame(1, 'mysqld ready\n'), frame(2, 'vttablet: waiting for dba grants\n'), frame(1, 'serving\n')]);
    expect(await demuxLogs(buf)).toBe('mysqld ready\nvttablet: waiting for dba grants\nserving\n');
  });

  test('a log without frames (a TTY) comes back as it is', async () => {
    expect(await demuxLogs(Buffer.from('plain text log\n'))).toBe('plain text log\n');
  });
});
