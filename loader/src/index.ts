export { DEFAULT_SAMPLE, SAMPLE_COLUMNS, sampleContracts, sampleDay, sampleFileName, snapshotTimes, tdaSymbol } from './sample/sample-day.ts';
export type { SampleBatch, SampleContract, SampleOptions } from './sample/sample-day.ts';
export { SAMPLE_SCHEMA, writeSampleBatches, writeSampleDay } from './sample/sample-writer.ts';
export type { SampleSummary } from './sample/sample-writer.ts';
export { loadFile, prepareFile } from './load/load-file.ts';
export type { FileStatus, FileSummary, LoadOptions } from './load/load-file.ts';
