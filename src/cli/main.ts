import { userInfo } from 'node:os';
import { connect } from './connect';
import { runCli } from './run';

/** `bin/spillway.mjs` runs this; everything it does is in run.ts, where tests can reach it. */
function requestedBy(): string | undefined {
  if (process.env.USER) return process.env.USER;
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

runCli(process.argv.slice(2), {
  connect,
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  now: () => new Date(),
  requestedBy: requestedBy(),
}).then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`spillway: ${error.message}`);
    process.exit(1);
  },
);
