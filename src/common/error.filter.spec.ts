import { QueryFailedError } from 'typeorm';
import { dependencyUnreachable, describeError } from './error.filter';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('describeError for a database or Redis that cannot be reached', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a server gone mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    ['PostgreSQL shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['PostgreSQL starting up', withCode('the database system is starting up', '57P03')],
    ['a connection exception (class 08)', withCode('connection failure', '08006')],
    [
      'ioredis out of retries',
      Object.assign(new Error('Reached the max retries'), { name: 'MaxRetriesPerRequestError' }),
    ],
    ['ioredis closed', new Error('Connection is closed.')],
    [
      'a failed query on a lost connection',
      new QueryFailedError('SELECT 1', [], new Error('Connection terminated unexpectedly')),
    ],
  ])('%s is 503 with a message naming no server', (_, error) => {
    expect(dependencyUnreachable(error)).toBe(true);
    expect(describeError(error)).toEqual({ status: 503, message: 'service unavailable', headers: {} });
  });

  it.each([
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a query error', new QueryFailedError('SELECT', [], withCode('syntax error', '42601'))],
    ['not an error', 'boom'],
    ['nothing', undefined],
  ])('%s stays 500', (_, error) => {
    expect(dependencyUnreachable(error)).toBe(false);
    expect(describeError(error).status).toBe(500);
  });
});

describe('describeError for a transaction that kept colliding', () => {
  it('is 503 with Retry-After, not 500', () => {
    const deadlock = new QueryFailedError('DELETE', [], withCode('deadlock detected', '40P01'));
    expect(describeError(deadlock)).toEqual({
      status: 503,
      message: 'the change collided with another one; try again',
      headers: { 'Retry-After': '1' },
    });
  });
});
