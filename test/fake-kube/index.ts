export * from '../../src/sim';
