import type { MigrationBuilder } from 'node-pg-migrate';
import { ANOMALIES } from '@optflow/contract';

/**
 * Why a quote's volume was kept out of the flow, per quote: optflow.quotes.anomaly holds the code
 * (0: none; NULL: loaded before this migration, unknown), optflow.anomaly_reasons says what each code
 * means. A nullable column without a default is added in place, also to a hypertable with
 * compressed chunks. No foreign key: it would be checked for every row the loader copies.
 */
export async function up(pgm: MigrationBuilder): Promise<void> {
  const rows = ANOMALIES.map((a) => `(${a.code}, ${literal(a.name)}, ${literal(a.reason)})`).join(',\n      ');
  pgm.sql(`
    ALTER TABLE optflow.quotes ADD COLUMN anomaly integer;
    COMMENT ON COLUMN optflow.quotes.anomaly IS 'Why volume, signed_volume and premium are 0 (optflow.anomaly_reasons); 0: no anomaly; NULL: loaded before anomalies were recorded.';
    CREATE TABLE optflow.anomaly_reasons (
      code   integer PRIMARY KEY,
      name   text NOT NULL UNIQUE,
      reason text NOT NULL
    );
    COMMENT ON TABLE optflow.anomaly_reasons IS 'What each optflow.quotes.anomaly code means.';
    INSERT INTO optflow.anomaly_reasons (code, name, reason) VALUES
      ${rows};
    GRANT SELECT ON optflow.anomaly_reasons TO optflow_reader, optflow_writer;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TABLE optflow.anomaly_reasons;
    ALTER TABLE optflow.quotes DROP COLUMN anomaly;
  `);
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
