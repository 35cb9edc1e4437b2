// What commands print: human lines on stderr (progress, logs) and results on stdout, or with
// --json a single JSON document on stdout and nothing else there.

export interface Output {
  json: boolean;
  quiet: boolean;
  /** A log line for people (stderr; suppressed by --quiet and --json). */
  info(message: string): void;
  /** A line the user must see even with --json (stderr; suppressed only by --quiet). */
  warn(message: string): void;
  /** The command's result: JSON with --json, else the human text (nothing with --quiet). */
  result(value: unknown, human: string): void;
}

export function createOutput(options: { json?: boolean; quiet?: boolean }): Output {
  const json = options.json === true;
  const quiet = options.quiet === true || json;
  return {
    json,
    quiet,
    info: (message) => {
      if (!quiet) process.stderr.write(`${message}\n`);
    },
    warn: (message) => {
      if (options.quiet !== true) process.stderr.write(`${message}\n`);
    },
    result: (value, human) => {
      if (json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      else if (human && !quiet) process.stdout.write(`${human}\n`);
    },
  };
}
