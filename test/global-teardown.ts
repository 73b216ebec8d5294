import { withServer } from './support/database';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.OTE_TEST_TEMPLATE_DATABASE;
  if (template)
    await withServer((client) => client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`));
}
