import { Option } from 'commander';
import type { Command } from 'commander';
import { DEFAULT_MAX_INTERVAL_VOLUME, parseMapOverrides } from '@optflow/loader';
import type { LoadOptions } from '@optflow/loader';
import { assertTimeZone, SESSION_TIME_ZONE } from '@optflow/contract';
import { CliError, EXIT } from './exit-codes.ts';
import { integerIn, symbolName } from './options.ts';
import { errorMessage } from '@optflow/db';

/** The options `load` and `watch` share: how rows are read. */
export interface ReadFlags {
  timezone: string;
  underlying?: string;
  map: string[];
  maxIntervalVolume: number;
}

export function addReadOptions(command: Command): Command {
  return command
    .option('--timezone <zone>', 'time zone of naive timestamps (IANA name)', SESSION_TIME_ZONE)
    .option(
      '--underlying <symbol>',
      'underlying for every row (else: the row, the file name, the option root)',
      symbolName
    )
    .option(
      '--max-interval-volume <contracts>',
      'interval volume per contract above which a jump of the total is an anomaly (kept out of the flow)',
      integerIn(1, Number.MAX_SAFE_INTEGER),
      DEFAULT_MAX_INTERVAL_VOLUME
    )
    .addOption(
      new Option('--map <field=column>', 'read a field from a named column (repeatable), e.g. --map time=snapshot_ts')
        .argParser((v: string, prev: string[]) => [...prev, v])
        .default([])
    );
}

/** Validates the read options; a bad zone or --map is a usage error (exit 2). */
export function loadOptionsFrom(flags: ReadFlags): LoadOptions {
  try {
    assertTimeZone(flags.timezone);
    return {
      timeZone: flags.timezone,
      underlying: flags.underlying,
      overrides: parseMapOverrides(flags.map),
      maxIntervalVolume: flags.maxIntervalVolume,
    };
  } catch (error) {
    throw new CliError(errorMessage(error), EXIT.USAGE);
  }
}
