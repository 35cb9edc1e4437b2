export {
  DEFAULT_SAMPLE,
  SAMPLE_COLUMNS,
  sampleContracts,
  sampleDay,
  sampleFileName,
  snapshotTimes,
  tdaSymbol,
} from './sample/sample-day.ts';
export type { SampleBatch, SampleContract, SampleOptions } from './sample/sample-day.ts';
export { SAMPLE_SCHEMA, writeSampleBatches, writeSampleDay } from './sample/sample-writer.ts';
export type { SampleSummary } from './sample/sample-writer.ts';
export { loadFile, prepareFile } from './load/load-file.ts';
export { LoadError } from './load-error.ts';
export type { LoadOptions } from './load/load-file.ts';
export type { FileStatus, FileSummary } from './load/file-outcome.ts';
export { watchDirectory } from './load/watch.ts';
export type { WatchOptions } from './load/watch.ts';
export { parseMapOverrides } from './contracts/column-map.ts';
export { isLoadableFileName } from './formats/detect-format.ts';
export { DEFAULT_MAX_INTERVAL_VOLUME } from './contracts/interval-volume.ts';
