/** Entry of `dist/cli.js` (the `oci-manifest` command). All logic is in run.ts and the modules it uses. */
import { runAsync } from './run';
import { noteOutput } from './terminal';

// A closed pipe (`oci-manifest lint . | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});
void runAsync(process.argv.slice(2)).then(
  (result) => {
    if (result.stderr) process.stderr.write(result.stderr);
    // One write, and no process.exit(): Node flushes stdout before exiting with this code.
    process.stdout.write(result.stdout);
    process.exitCode = result.exitCode;
  },
  (err: unknown) => {
    process.stderr.write(noteOutput([`internal error: ${err instanceof Error ? err.message : String(err)}`]));
    process.exitCode = 2;
  },
);
