import { decode } from 'jsonwebtoken';
import { auth, PASSWORD, TestUser, uniqueName } from './factories';
import { TestApp } from './test-app';
import { REGISTRY_SERVICE } from './registry';

export interface RegistryAccount {
  user: string;
  password: string;
}

/** Creates the registry account of a platform user through POST /v1/repository/user. */
export async function createRegistryAccount(t: TestApp, owner: TestUser): Promise<RegistryAccount> {
  const account = { user: uniqueName('r'), password: PASSWORD };
  await t.api().post('/v1/repository/user').set(auth(owner.token)).send(account).expect(200);
  return account;
}

export const basic = (account: RegistryAccount) => ({
  Authorization: `Basic ${Buffer.from(`${account.user}:${account.password}`).toString('base64')}`,
});

/** Asks the token service as `docker` does: GET /service/token?service=&scope=... with HTTP Basic. */
export function requestToken(t: TestApp, account: RegistryAccount, scopes: string[]) {
  const query = new URLSearchParams([
    ['service', REGISTRY_SERVICE],
    ...scopes.map((scope): [string, string] => ['scope', scope]),
  ]);
  return t.api().get(`/service/token?${query.toString()}`).set(basic(account));
}

export async function registryToken(t: TestApp, account: RegistryAccount, scopes: string[]): Promise<string> {
  return (await requestToken(t, account, scopes).expect(200)).body.token;
}

export interface RegistryClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  nbf: number;
  iat: number;
  jti: string;
  access: { type: string; name: string; actions: string[] }[];
}

export const claimsOf = (token: string) =>
  decode(token, { complete: true }) as unknown as {
    header: { alg: string; x5c?: string[] };
    payload: RegistryClaims;
  };

/** A business administrator's project, through POST /v1/repository/project. */
export async function createProject(t: TestApp, admin: TestUser, isPublic: boolean): Promise<string> {
  const projectName = uniqueName('p');
  await t
    .api()
    .post('/v1/repository/project')
    .set(auth(admin.token))
    .send({ projectName, public: isPublic })
    .expect(200);
  return projectName;
}
