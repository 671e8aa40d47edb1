// A stand-in for code-server's entry (out/node/entry.js) in the tests of test/e2e/run.sh and scripts/start.sh, so
// that their process handling is tested without installing code-server: it takes the same arguments, answers
// /healthz on --bind-addr, starts a child process (as code-server starts extension hosts), makes a temporary
// folder (as VS Code does), and appends what it saw to the JSON-lines file $FAKE_CS_LOG.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const argv = process.argv.slice(2);
const record = (entry) => fs.appendFileSync(process.env.FAKE_CS_LOG, JSON.stringify(entry) + '\n');
if (argv.includes('--install-extension')) {
  record({ installed: argv[argv.indexOf('--install-extension') + 1] });
  process.exit(0);
}
const [host, port] = argv[argv.indexOf('--bind-addr') + 1].split(':');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-cs-'));
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
http
  .createServer((req, res) => res.end(req.url === '/healthz' ? '{"status":"alive"}' : 'fake code-server'))
  .listen(Number(port), host, () => record({ argv, pids: [process.pid, child.pid], tmp }));
