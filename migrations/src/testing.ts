import { openTestDatabase } from '@optflow/db/testing';
import type { TestDatabase } from '@optflow/db/testing';
import type { Database } from '@optflow/db';
import { migrate } from './migrate.ts';

/** A fresh test database (see @optflow/db/testing) with the optflow schema applied. */
export async function openMigratedTestDatabase(): Promise<TestDatabase> {
  const t = await openTestDatabase();
  try {
    await migrate(t.db, { direction: 'up' });
  } catch (error) {
    await t.dispose();
    throw error;
  }
  return t;
}

/**
 * Runs the quotes' compression policy job in this session (a TimescaleDB server). The scheduler
 * starts a new job at once and would compress beside us ("already compressed" fails one of the
 * two), so the job is paused and any run of it in progress waited out first.
 */
export async function runCompressionJob(db: Database): Promise<void> {
  const { rows } = await db.query<{ job_id: number; application_name: string }>(
    `SELECT job_id, application_name FROM timescaledb_information.jobs
     WHERE proc_name = 'policy_compression' AND hypertable_schema = 'optflow' AND hypertable_name = 'quotes'`
  );
  if (rows.length !== 1) throw new Error(`expected one compression job on optflow.quotes, found ${rows.length}`);
  const job = rows[0]!;
  await db.query(`SELECT alter_job($1, scheduled => false)`, [job.job_id]);
  try {
    const running = async () =>
      (
        await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
          [job.application_name]
        )
      ).rows[0]!.n;
    while ((await running()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    await db.query(`CALL run_job(${Number(job.job_id)})`);
  } finally {
    await db.query(`SELECT alter_job($1, scheduled => true)`, [job.job_id]);
  }
}
