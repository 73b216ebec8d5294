import { runDeployFanout } from './deploy-fanout';

// Not a test: jest is only the runner (swc, ESM packages, template database). See deploy-fanout.ts.
it('deploy fan-out benchmark', async () => {
  const failures = await runDeployFanout();
  if (failures.length > 0) throw new Error(`deployments that did not reach status 5: ${failures.join('; ')}`);
});
