import fs from 'node:fs';
import path from 'node:path';
import { getDMMF } from '@prisma/internals';
import { sql } from '../support/test-app';

// The migrations are hand-written SQL; this proves the migrated database is what schema.prisma says.

type Field = { name: string; dbName?: string | null; kind: string; type: string; isList: boolean; isRequired: boolean; isUnique: boolean; isId: boolean; nativeType?: [string, string[]] | null };
type Model = { name: string; dbName: string | null; fields: Field[]; uniqueIndexes: { fields: string[] }[]; primaryKey: { fields: string[] } | null };

/** Partial unique indexes Prisma cannot express; they live only in SQL (see the schema's header). */
const PARTIAL_UNIQUES = [
  { table: 'channels', columns: ['provider_account'], predicate: /deleted_at IS NULL.*NOT.*CUSTOM/ },
  { table: 'channels', columns: ['company_id', 'provider_account'], predicate: /deleted_at IS NULL.*CUSTOM/ },
  { table: 'conversations', columns: ['channel_id', 'external_id'], predicate: /status <> 'closed'/ },
];

function expectedType(f: Field, enums: Set<string>): string {
  if (f.isList) return `ARRAY:_${f.type === 'String' ? 'text' : f.type.toLowerCase()}`;
  if (enums.has(f.type)) return `USER-DEFINED:${f.type}`;
  const native = f.nativeType?.[0];
  const arg = f.nativeType?.[1]?.[0];
  if (native === 'VarChar') return `character varying(${arg})`;
  if (native === 'Uuid') return 'uuid';
  if (native === 'Timestamptz') return `timestamp with time zone(${arg ?? 6})`;
  const plain: Record<string, string> = { String: 'text', Int: 'integer', Boolean: 'boolean', Json: 'jsonb', DateTime: 'timestamp without time zone(3)', BigInt: 'bigint', Float: 'double precision' };
  return plain[f.type] ?? `unmapped:${f.type}`;
}

function actualType(c: any): string {
  if (c.data_type === 'ARRAY' || c.data_type === 'USER-DEFINED') return `${c.data_type}:${c.udt_name}`;
  if (c.data_type === 'character varying') return `character varying(${c.character_maximum_length})`;
  if (c.data_type.startsWith('timestamp')) return `${c.data_type}(${c.datetime_precision})`;
  return c.data_type;
}

describe('database schema vs schema.prisma', () => {
  let models: Model[];
  let enums: { name: string; values: { name: string }[] }[];

  beforeAll(async () => {
    const dmmf = await getDMMF({ datamodel: fs.readFileSync(path.join(__dirname, '../../prisma/schema.prisma'), 'utf8') });
    models = dmmf.datamodel.models as unknown as Model[];
    enums = dmmf.datamodel.enums as unknown as typeof enums;
  });

  it('when migrated, then every model has exactly its columns with the same types and nullability', async () => {
    const enumNames = new Set(enums.map((e) => e.name));
    for (const model of models) {
      const table = model.dbName ?? model.name;
      const columns = await sql(
        `SELECT column_name, data_type, udt_name, is_nullable, character_maximum_length, datetime_precision
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
        [table],
      );
      const actual = Object.fromEntries(columns.map((c) => [c.column_name, { type: actualType(c), nullable: c.is_nullable === 'YES' }]));
      const expected = Object.fromEntries(
        model.fields
          .filter((f) => f.kind === 'scalar' || f.kind === 'enum')
          // Prisma creates list columns without NOT NULL.
          .map((f) => [f.dbName ?? f.name, { type: expectedType(f, enumNames), nullable: f.isList || !f.isRequired }]),
      );
      expect({ table, columns: actual }).toEqual({ table, columns: expected });
    }
  });

  it('when migrated, then the unique constraints are those of the schema plus the documented partial ones', async () => {
    const indexes = await sql(`
      SELECT t.relname AS table, i.indisprimary AS primary, pg_get_expr(i.indpred, i.indrelid) AS predicate,
             array_agg(a.attname::text ORDER BY array_position(i.indkey::int[], a.attnum)) AS columns
      FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)
      WHERE i.indisunique AND n.nspname = 'public' AND t.relname <> '_axi_migrations'
      GROUP BY t.relname, i.indisprimary, i.indpred, i.indrelid, i.indexrelid`);
    const key = (table: string, cols: string[], partial = false) => `${table}(${cols.join(',')})${partial ? ' partial' : ''}`;
    const actual = indexes.map((i) => key(i.table, i.columns, i.predicate !== null)).sort();
    const expected: string[] = [];
    for (const m of models) {
      const table = m.dbName ?? m.name;
      const col = (name: string) => { const f = m.fields.find((x) => x.name === name)!; return f.dbName ?? f.name; };
      for (const f of m.fields) if (f.isId || f.isUnique) expected.push(key(table, [f.dbName ?? f.name]));
      for (const u of m.uniqueIndexes) expected.push(key(table, u.fields.map(col)));
      if (m.primaryKey) expected.push(key(table, m.primaryKey.fields.map(col)));
    }
    for (const p of PARTIAL_UNIQUES) expected.push(key(p.table, p.columns, true));
    expect(actual).toEqual(expected.sort());
    for (const p of PARTIAL_UNIQUES) {
      const idx = indexes.find((i) => i.table === p.table && i.predicate !== null && i.columns.join(',') === p.columns.join(','));
      expect(idx?.predicate).toMatch(p.predicate);
    }
  });

  it('when migrated, then every enum has the same values in the same order', async () => {
    for (const e of enums) {
      const rows = await sql(`SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = $1 ORDER BY e.enumsortorder`, [e.name]);
      expect({ enum: e.name, values: rows.map((r) => r.enumlabel) }).toEqual({ enum: e.name, values: e.values.map((v) => v.name) });
    }
  });

  it('when migrated, then there is no table the schema does not know', async () => {
    const tables = await sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
    const known = new Set([...models.map((m) => m.dbName ?? m.name), '_axi_migrations']);
    expect(tables.map((t) => t.table_name).filter((t) => !known.has(t))).toEqual([]);
  });
});
