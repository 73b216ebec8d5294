import type { V1Secret } from '@kubernetes/client-node';

/** What a cluster needs to pull from a registry the platform does not manage. */
export interface RegistryCredentials {
  address: string;
  user: string;
  password: string;
}

const DOCKER_CONFIG_SECRET_TYPE = 'kubernetes.io/dockerconfigjson';

/** The Secret a deployment's pods pull with: named after the deployment, so deleting it deletes the Secret. */
export const pullSecretName = (deployName: string) => `${deployName}-pull-secret`;

/** SPEC §6: a `kubernetes.io/dockerconfigjson` Secret holding one registry's credentials. */
export function renderPullSecret(
  credentials: RegistryCredentials,
  metadata: { name: string; namespace: string; labels: Record<string, string> },
): V1Secret {
  const auth = Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64');
  const config = {
    auths: {
      [credentials.address]: { username: credentials.user, password: credentials.password, auth },
    },
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata,
    type: DOCKER_CONFIG_SECRET_TYPE,
    data: { '.dockerconfigjson': Buffer.from(JSON.stringify(config)).toString('base64') },
  };
}
