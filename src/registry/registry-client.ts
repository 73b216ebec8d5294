import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig, RegistryConfig } from '../config/app-config';
import { DomainError, ErrorKind } from '../common/errors';
import { Access } from './registry-access';
import { RegistryTokenService } from './registry-token.service';

const REQUEST_TIMEOUT_MS = 15_000;
const CATALOG_PAGE = 1000;
/** Every manifest kind a `docker push` of today writes; an index stands for its first image. */
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
];

export interface Manifest {
  digest: string;
  mediaType: string;
  body: Buffer;
}

interface ManifestDocument {
  mediaType?: string;
  config?: { digest?: string };
  manifests?: { digest?: string }[];
}

const registryUnavailable = (reason: string) =>
  new DomainError(ErrorKind.Unavailable, `the image registry ${reason}`);

/** The OCI Distribution HTTP API of the platform's registry, called with tokens the platform signs itself. */
@Injectable()
export class RegistryClient {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly tokens: RegistryTokenService,
  ) {}

  /** Every repository the registry holds, in its (lexical) order. */
  async catalog(): Promise<string[]> {
    const names: string[] = [];
    let path: string | null = `/v2/_catalog?n=${CATALOG_PAGE}`;
    while (path) {
      const response = await this.call('GET', path, { type: 'registry', name: 'catalog', actions: ['*'] });
      names.push(...(((await response.json()) as { repositories?: string[] }).repositories ?? []));
      // `Link: </v2/_catalog?last=x&n=1000>; rel="next"` while there is more.
      path = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1] ?? null;
    }
    return names;
  }

  /** A repository's tags; none when the repository does not exist (yet, or any more). */
  async tags(repository: string): Promise<string[]> {
    const response = await this.call('GET', `/v2/${repository}/tags/list`, pull(repository), [404]);
    if (response.status === 404) return [];
    return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
  }

  async manifest(repository: string, reference: string): Promise<Manifest | null> {
    const response = await this.call(
      'GET',
      `/v2/${repository}/manifests/${encodeURIComponent(reference)}`,
      pull(repository),
      [404],
      { Accept: MANIFEST_TYPES.join(', ') },
    );
    if (response.status === 404) return null;
    const body = Buffer.from(await response.arrayBuffer());
    const digest = response.headers.get('docker-content-digest');
    if (!digest) throw registryUnavailable('answered a manifest without its digest');
    return { digest, mediaType: response.headers.get('content-type') ?? '', body };
  }

  /** When the image was built: the `created` of its config blob (of the first image of an index). */
  async created(repository: string, manifest: Manifest): Promise<Date | null> {
    const document = parseManifest(manifest.body);
    const child = document.manifests?.[0]?.digest;
    if (!document.config?.digest && child) {
      const image = await this.manifest(repository, child);
      return image && this.created(repository, { ...image, body: image.body });
    }
    if (!document.config?.digest) return null;
    const response = await this.call(
      'GET',
      `/v2/${repository}/blobs/${document.config.digest}`,
      pull(repository),
      [404],
    );
    if (response.status === 404) return null;
    const created = (parseJson(Buffer.from(await response.arrayBuffer())) as { created?: unknown }).created;
    const time = typeof created === 'string' ? new Date(created) : null;
    return time && !Number.isNaN(time.getTime()) ? time : null;
  }

  /** Deletes a manifest, and with it every tag that points to it. Gone already is success. */
  async deleteManifest(repository: string, digest: string): Promise<void> {
    await this.call('DELETE', `/v2/${repository}/manifests/${digest}`, access(repository, 'delete'), [404]);
  }

  /** Points `tag` at a manifest the registry holds (its blobs are still there after a delete). */
  async putManifest(repository: string, tag: string, manifest: Manifest): Promise<void> {
    await this.call(
      'PUT',
      `/v2/${repository}/manifests/${encodeURIComponent(tag)}`,
      access(repository, 'pull', 'push'),
      [],
      { 'Content-Type': manifest.mediaType },
      manifest.body,
    );
  }

  private async call(
    method: string,
    path: string,
    scope: Access,
    acceptedErrors: number[] = [],
    headers: Record<string, string> = {},
    body?: Buffer,
  ): Promise<Response> {
    const registry = this.registry();
    const { token } = this.tokens.sign(registry, registry.issuer, [scope]);
    let response: Response;
    try {
      response = await fetch(`${registry.apiUrl}${path}`, {
        method,
        headers: { ...headers, Authorization: `Bearer ${token}` },
        body,
        redirect: 'follow',
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch {
      throw registryUnavailable('is unreachable');
    }
    if (response.ok || acceptedErrors.includes(response.status)) return response;
    await response.body?.cancel();
    if (response.status === 401 || response.status === 403)
      throw registryUnavailable("refused the platform's token: check its token configuration");
    throw registryUnavailable(`failed (HTTP ${response.status})`);
  }

  private registry(): RegistryConfig {
    if (!this.config.registry) throw registryUnavailable('is not configured (REGISTRY_URL is unset)');
    return this.config.registry;
  }
}

const access = (repository: string, ...actions: string[]): Access => ({
  type: 'repository',
  name: repository,
  actions,
});
const pull = (repository: string) => access(repository, 'pull');

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
}

const parseManifest = (body: Buffer) => (parseJson(body) ?? {}) as ManifestDocument;
