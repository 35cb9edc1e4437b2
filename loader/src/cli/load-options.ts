import { Option } from 'commander';
import type { Command } from 'commander';
import { parseMapOverrides } from '../contracts/column-map.ts';
import type { LoadOptions } from '../load/load-file.ts';
import { assertTimeZone, SESSION_TIME_ZONE } from '@optflow/contract';
import { CliError, EXIT } from './exit-codes.ts';
import { symbolName } from './options.ts';

/** The options `load` and `watch` share: how rows are read. */
export interface ReadFlags {
  timezone: string;
  underlying?: string;
  map: string[];
}

export function addReadOptions(command: Command): Command {
  return command
    .option('--timezone <zone>', 'time zone of naive timestamps (IANA name)', SESSION_TIME_ZONE)
    .option('--underlying <symbol>', 'underlying for every row (else: the row, the file name, the option root)', symbolName)
    .addOption(new Option('--map <field=column>', 'read a field from a named column (repeatable), e.g. --map time=snapshot_ts').argParser((v: string, prev: string[]) => [...prev, v]).default([]));
}

/** Validates the read options; a bad zone or --map is a usage error (exit 2). */
export function loadOptionsFrom(flags: ReadFlags): LoadOptions {
  try {
    assertTimeZone(flags.timezone);
    return { timeZone: flags.timezone, underlying: flags.underlying, overrides: parseMapOverrides(flags.map) };
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), EXIT.USAGE);
  }
}
