// Starts the real optflow API (test/api-server/serve-fixture.mts) once for the whole jest run and
// hands its URLs to the tests through the environment.
const { spawn } = require('node:child_process');
const { join } = require('node:path');

module.exports = async function globalSetup() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'serve-fixture.mts')], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
    env: process.env,
  });
  globalThis.__OPTFLOW_FIXTURE__ = child;
  const ready = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        resolve(JSON.parse(line));
      }
    });
    child.once('exit', (code) => reject(new Error(`the API fixture exited (${code}) before it was ready`)));
  });
  process.env.OPTFLOW_PLUGIN_FIXTURE = JSON.stringify(ready);
};
