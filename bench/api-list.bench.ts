import { runApiList } from './api-list';

// Not a test: jest is only the runner (swc, template database). See api-list.ts.
it('list request path benchmark', async () => {
  const problems = await runApiList();
  if (problems.length > 0) throw new Error(`wrong answers: ${problems.join('; ')}`);
});
