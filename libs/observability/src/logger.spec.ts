import { createLogger } from '@drehscheibe/observability';
import pg from 'pg';

describe('createLogger', () => {
  it('logs a failed statement without the data it carried', () => {
    const lines: string[] = [];
    const logger = createLogger({ name: 'test' }, { write: (line: string) => void lines.push(line) });
    // What pg and TypeORM raise for a row PostgreSQL refused.
    const driverError = Object.assign(new pg.DatabaseError('new row violates check constraint', 0, 'error'), {
      code: '23514',
      detail: 'Failing row contains (Erika Mustermann, erika@example.org).',
    });
    const error = Object.assign(new Error(driverError.message), { parameters: ['Erika Mustermann'], driverError, detail: driverError.detail });
    logger.error({ err: error }, 'request failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('new row violates check constraint');
    expect(lines[0]).not.toContain('Erika');
  });
});
