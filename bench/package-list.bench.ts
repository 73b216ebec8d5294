import { runPackageList } from './package-list';

// Not a test: jest is only the runner (swc, ESM packages, template database). See package-list.ts.
it('package list benchmark', async () => {
  const over = await runPackageList();
  if (over.length > 0) throw new Error(`over budget: ${over.join('; ')}`);
});
