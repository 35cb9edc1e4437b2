#!/usr/bin/env node
// The optflow command. Sources are TypeScript, run through tsx's loader (no build step to forget).
import { register } from 'tsx/esm/api';

register();
// Commands that read Parquet start the reading thread here, first, so it loads its code while the
// rest of the command line and the database load (about a second each on these machines).
const [command, ...args] = process.argv.slice(2);
if (['load', 'watch', 'start'].includes(command ?? '') && !args.some((a) => a === '--help' || a === '-h')) {
  const { warmUpReader } = await import('@optflow/loader/reader');
  warmUpReader();
}
const { main } = await import('../src/main.ts');
await main(process.argv);
