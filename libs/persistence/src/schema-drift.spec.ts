import { compareShapes, type TableShape } from './schema-drift.js';

const shape = (columns: Record<string, string>, constraints: Record<string, string> = {}, indexes: Record<string, string> = {}): TableShape => ({
  columns: new Map(Object.entries(columns)),
  constraints: new Map(Object.entries(constraints)),
  indexes: new Map(Object.entries(indexes)),
});

describe('compareShapes', () => {
  it('finds nothing when database and entity agree', () => {
    const s = () => shape({ id: 'uuid NOT NULL' }, { t_pkey: 'PRIMARY KEY (id)' }, { t_pkey: 'CREATE UNIQUE INDEX t_pkey USING btree (id)' });
    expect(compareShapes('t', s(), s())).toEqual([]);
  });

  it('names each difference, whichever side it is on', () => {
    const database = shape({ id: 'uuid NOT NULL', note: 'text' }, { t_check: 'CHECK ((n > 0))' });
    const entity = shape({ id: 'uuid' }, {}, { t_idx: 'CREATE INDEX t_idx USING btree (id)' });
    expect(compareShapes('t', database, entity)).toEqual([
      'column t.id: the database has uuid NOT NULL, the entity declares uuid',
      'column t.note: in the database (text), but the entity does not declare it',
      'constraint t.t_check: in the database (CHECK ((n > 0))), but the entity does not declare it',
      'index t.t_idx: the entity declares it (CREATE INDEX t_idx USING btree (id)), but the database has none',
    ]);
  });
});
