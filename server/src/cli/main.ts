/** Entry of `dist/cli.js` (the `oci-manifest` command). All logic is in run.ts and the modules it uses. */
import { runAsync } from './run';
import { noteOutput, safeLine } from './terminal';

// A closed pipe (`oci-manifest lint . | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
});
// Progress of long runs (audit): one line rewritten in place while stderr is a terminal; nothing otherwise
// (CI logs and pipes get only the result). Lines go through terminal.ts like every other line.
let progressShown = false;
const progress = process.stderr.isTTY
  ? (line: string): void => {
      progressShown = true;
      process.stderr.write(
        `\r${safeLine(line).slice(0, Math.max(20, (process.stderr.columns ?? 80) - 1))}\x1b[K`,
      );
    }
  : undefined;
void runAsync(process.argv.slice(2), process.cwd(), progress ? { progress } : {}).then(
  (result) => {
    if (progressShown) process.stderr.write('\r\x1b[K');
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
