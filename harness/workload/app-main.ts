// Entry point of the workload app's own process: options arrive as JSON in argv[2]; the
// port it listens on (127.0.0.1, chosen by the OS) goes back over IPC, or, when the app
// cannot be built (a route module that does not load), the reason, so the harness can say it.
import { AddressInfo } from 'node:net';
import { App, AppOptions, createApp } from './app';

function build(): App | undefined {
  try {
    return createApp(JSON.parse(process.argv[2] ?? '{}') as AppOptions);
  } catch (e) {
    const error = (e as Error).message;
    if (process.send) process.send({ error }, () => process.exit(1));
    else {
      console.error(error);
      process.exit(1);
    }
    return undefined;
  }
}

const app = build();
if (app) {
  app.server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (app.server.address() as AddressInfo).port });
  });
  const quit = () => void app.close().finally(() => process.exit(0));
  process.on('SIGTERM', quit);
  process.on('disconnect', quit); // the harness went away: do not linger
}
