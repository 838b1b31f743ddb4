// Entry point of the workload app's own process: options arrive as JSON in argv[2]; the
// port it listens on (127.0.0.1, chosen by the OS) goes back over IPC.
import { AddressInfo } from 'node:net';
import { AppOptions, createApp } from './app';

const options = JSON.parse(process.argv[2] ?? '{}') as AppOptions;
const app = createApp(options);
app.server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (app.server.address() as AddressInfo).port });
});
const quit = () => void app.close().finally(() => process.exit(0));
process.on('SIGTERM', quit);
process.on('disconnect', quit); // the harness went away: do not linger
