export { detectCapabilities } from './capabilities.ts';
export type { Capabilities } from './capabilities.ts';
export { FLOW_COLUMNS, FLOW_LEVELS, flowSelectSql } from './flow-aggregates.ts';
export type { FlowLevel } from './flow-aggregates.ts';
export { migrate, MIGRATIONS_DIR, MIGRATIONS_TABLE } from './migrate.ts';
export type { MigrateOptions } from './migrate.ts';
export { refreshFlowAggregates, refreshWindows } from './refresh.ts';
export type { RefreshWindow } from './refresh.ts';
export { addPoliciesSql, removePoliciesSql, FLOW_POLICIES } from './policies.ts';
