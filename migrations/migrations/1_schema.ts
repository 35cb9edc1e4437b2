import type { MigrationBuilder } from 'node-pg-migrate';
import { canUseTimescale, detectCapabilities } from '../src/capabilities.ts';
import { hypertableSql } from '../src/hypertable.ts';

/**
 * The optflow schema: the quotes (a hypertable on TimescaleDB), load bookkeeping and the two roles.
 * Roles are cluster-wide, so they are created only if missing and dropped only if nothing else uses them.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  // Only when it can load: installed but not preloaded, CREATE EXTENSION ends the connection.
  const timescale = canUseTimescale(await detectCapabilities(pgm.db));
  if (timescale) pgm.sql('CREATE EXTENSION IF NOT EXISTS timescaledb');

  pgm.sql(`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'optflow_writer') THEN CREATE ROLE optflow_writer LOGIN; END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'optflow_reader') THEN CREATE ROLE optflow_reader LOGIN; END IF;
    END $$;

    CREATE SCHEMA optflow;

    CREATE TABLE optflow.files (
      id            bigserial PRIMARY KEY,
      path          text NOT NULL UNIQUE,
      size          bigint NOT NULL,
      mtime         timestamptz NOT NULL,
      content_hash  text,
      status        text NOT NULL CHECK (status IN ('loading', 'loaded', 'partial', 'failed')),
      rows_read     bigint NOT NULL DEFAULT 0,
      rows_inserted bigint NOT NULL DEFAULT 0,
      duplicates    bigint NOT NULL DEFAULT 0,
      rejected      bigint NOT NULL DEFAULT 0,
      anomalies     bigint NOT NULL DEFAULT 0,
      error         text,
      first_seen    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now()
    );
    COMMENT ON TABLE optflow.files IS 'One row per input file: what was seen (size, mtime, hash) and how its load went.';

    CREATE TABLE optflow.snapshots (
      file_id     bigint NOT NULL REFERENCES optflow.files (id) ON DELETE CASCADE,
      underlying  text NOT NULL,
      quote_time  timestamptz NOT NULL,
      rows        integer NOT NULL,
      loaded_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (file_id, underlying, quote_time)
    );
    CREATE INDEX snapshots_underlying_time ON optflow.snapshots (underlying, quote_time DESC);
    COMMENT ON TABLE optflow.snapshots IS 'Each snapshot (underlying, time) a file brought, with its row count.';

    CREATE TABLE optflow.rejected_rows (
      id          bigserial PRIMARY KEY,
      file_id     bigint NOT NULL REFERENCES optflow.files (id) ON DELETE CASCADE,
      row_number  bigint NOT NULL,
      reason      text NOT NULL,
      raw         jsonb NOT NULL,
      rejected_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (file_id, row_number)
    );
    COMMENT ON TABLE optflow.rejected_rows IS 'Input rows that could not be loaded, kept with the reason and their raw values.';

    CREATE TABLE optflow.quotes (
      quote_time       timestamptz NOT NULL,
      contract         text NOT NULL,
      source_symbol    text NOT NULL,
      underlying       text NOT NULL,
      root             text NOT NULL,
      expiration       date NOT NULL,
      put_call         text NOT NULL CHECK (put_call IN ('C', 'P')),
      strike           numeric NOT NULL,
      bid              double precision,
      ask              double precision,
      last             double precision,
      mark             double precision,
      bid_size         integer,
      ask_size         integer,
      total_volume     bigint,
      volume           bigint NOT NULL DEFAULT 0,
      signed_volume    bigint NOT NULL DEFAULT 0,
      premium          double precision NOT NULL DEFAULT 0,
      multiplier       integer NOT NULL DEFAULT 100,
      open_interest    bigint,
      iv               double precision,
      delta            double precision,
      gamma            double precision,
      theta            double precision,
      vega             double precision,
      rho              double precision,
      underlying_price double precision,
      file_id          bigint,
      PRIMARY KEY (contract, quote_time)
    );
    COMMENT ON TABLE optflow.quotes IS 'One row per contract per snapshot; contract is the 21-character OCC/OSI symbol.';
    COMMENT ON COLUMN optflow.quotes.volume IS 'Contracts traded since the previous snapshot of this contract in the session.';
    COMMENT ON COLUMN optflow.quotes.signed_volume IS 'volume times the sign of the last change of mark (tick rule).';
    COMMENT ON COLUMN optflow.quotes.premium IS 'volume * mark * multiplier, in USD.';
    CREATE INDEX quotes_underlying_time ON optflow.quotes (underlying, quote_time DESC);
    CREATE INDEX quotes_underlying_expiration_time ON optflow.quotes (underlying, expiration, quote_time DESC);
  `);

  if (timescale) pgm.sql(hypertableSql());

  pgm.sql(`
    GRANT USAGE ON SCHEMA optflow TO optflow_reader, optflow_writer;
    GRANT SELECT ON ALL TABLES IN SCHEMA optflow TO optflow_reader;
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA optflow TO optflow_writer;
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA optflow TO optflow_writer;
    ALTER DEFAULT PRIVILEGES IN SCHEMA optflow GRANT SELECT ON TABLES TO optflow_reader;
    ALTER DEFAULT PRIVILEGES IN SCHEMA optflow GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO optflow_writer;
    ALTER DEFAULT PRIVILEGES IN SCHEMA optflow GRANT USAGE, SELECT ON SEQUENCES TO optflow_writer;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  await detectCapabilities(pgm.db); // fails early on a connection problem, before anything is dropped
  pgm.sql(`
    ALTER DEFAULT PRIVILEGES IN SCHEMA optflow REVOKE ALL ON TABLES FROM optflow_reader, optflow_writer;
    ALTER DEFAULT PRIVILEGES IN SCHEMA optflow REVOKE ALL ON SEQUENCES FROM optflow_writer;
    DROP SCHEMA optflow CASCADE;
    DO $$ BEGIN
      DROP ROLE IF EXISTS optflow_reader;
    EXCEPTION WHEN dependent_objects_still_exist THEN NULL; -- still granted in another database
    END $$;
    DO $$ BEGIN
      DROP ROLE IF EXISTS optflow_writer;
    EXCEPTION WHEN dependent_objects_still_exist THEN NULL;
    END $$;
  `);
}
