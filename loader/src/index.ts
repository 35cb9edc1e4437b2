export { DEFAULT_SAMPLE, sampleContracts, sampleDay, sampleFileName, snapshotTimes, tdaSymbol } from './sample/sample-day.ts';
export type { SampleBatch, SampleContract, SampleOptions } from './sample/sample-day.ts';
export { SAMPLE_SCHEMA, writeSampleDay } from './sample/sample-writer.ts';
export type { SampleSummary } from './sample/sample-writer.ts';
export { utcToWallTime, wallDate, wallTimeToUtc } from './zoned-time.ts';
