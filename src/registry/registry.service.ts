import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { Brackets, DataSource, In, Repository } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail.service';
import { Actor } from '../common/auth/actor';
import { businessScope, Principal } from '../common/auth/principal';
import { forEachLimited } from '../common/concurrency';
import { conflict, DomainError, ErrorKind, forbidden, notFound } from '../common/errors';
import { escapeLike } from '../common/list-query';
import { REDIS } from '../redis/redis.module';
import { Paged, toPage } from '../common/paging';
import { unixSeconds } from '../common/time';
import { APP_CONFIG, AppConfig, RegistryConfig } from '../config/app-config';
import { CreateProjectDto, ImageListQuery, ProjectListQuery, TagListQuery } from './dto';
import { grantAccess, projectOf, ProjectRights } from './registry-access';
import { Manifest, RegistryClient } from './registry-client';
import { RegistryProjectEntity } from './registry.entity';
import { REGISTRY_TOKEN_SECONDS } from './registry-token.service';
import { retag } from './retag';

/** Registry calls made at once for one request. */
const REGISTRY_CONCURRENCY = 8;

export interface ProjectView {
  projectId: number;
  projectName: string;
  createTime: number;
  updateTime: number;
  imageCount: number;
  public: boolean;
}

export interface ImageView {
  projectName: string;
  public: boolean;
  imageName: string;
  imageAddress: string;
  createTime: number;
  updateTime: number;
}

export interface TagView {
  tag: string;
  imageAddress: string;
  createTime: number;
  updateTime: number;
}

/** Called with the repositories that lost tags, so that what uses them is checked again. */
export type ImagesRemovedListener = (repositories: string[]) => Promise<void>;

/** Holds a deleted project's name for the business that gave it up, as long as its tokens last. */
const releasedProjectKey = (name: string) => `registry:released-project:${name}`;

/**
 * Projects live in our database; images and tags are read from the registry itself, and deleted
 * through its API by manifest digest (SPEC §11).
 */
@Injectable()
export class RegistryService {
  private readonly removedListeners: ImagesRemovedListener[] = [];

  constructor(
    @InjectRepository(RegistryProjectEntity) private readonly projects: Repository<RegistryProjectEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly client: RegistryClient,
    private readonly auditTrail: AuditTrail,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  onImagesRemoved(listener: ImagesRemovedListener): void {
    this.removedListeners.push(listener);
  }

  /** The platform's registry, or 503 saying it is not configured. */
  requireRegistry(): RegistryConfig {
    if (!this.config.registry) {
      throw new DomainError(
        ErrorKind.Unavailable,
        'the platform has no image registry: set REGISTRY_URL to enable the repository routes',
      );
    }
    return this.config.registry;
  }

  /** The host images in the platform's registry start with; null without one. */
  registryHost(): string | null {
    return this.config.registry?.url ?? null;
  }

  /** Who owns each named project and whether it is public; unknown names are absent. */
  async projectRights(names: string[]): Promise<Map<string, ProjectRights>> {
    if (names.length === 0) return new Map();
    const rows = await this.projects.findBy({ name: In([...new Set(names)]) });
    return new Map(rows.map((row) => [row.name, { businessId: row.businessId, public: row.public }]));
  }

  /**
   * Whether a member of `businessId` may pull `repository` from the platform's registry: exactly what the
   * token service grants them (SPEC §11), so their own business's projects and public ones only.
   */
  async mayPull(businessId: number | null, repository: string): Promise<boolean> {
    const requested = [{ type: 'repository', name: repository, actions: ['pull'] }];
    const rights = await this.projectRights([projectOf(repository)]);
    return grantAccess(requested, businessId, (name) => rights.get(name)).length > 0;
  }

  /** The manifest digest `repository:tag` resolves to in the platform's registry; null when it is missing. */
  async digestOf(repository: string, tag: string): Promise<string | null> {
    return (await this.client.manifest(repository, tag))?.digest ?? null;
  }

  async createProject(actor: Actor, dto: CreateProjectDto): Promise<void> {
    this.requireRegistry();
    const businessId = ownBusiness(actor);
    if (await this.projects.existsBy({ name: dto.projectName }))
      throw conflict(`project ${dto.projectName} already exists`);
    // A deleted project's name is not another business's at once: tokens issued for it stay good for
    // their lifetime, and with them a push into whatever project takes the name next.
    const releasedBy = await this.redis.get(releasedProjectKey(dto.projectName));
    if (releasedBy !== null && Number(releasedBy) !== businessId)
      throw conflict(
        `project name ${dto.projectName} was given up less than 30 minutes ago; try again later`,
      );
    if ((await this.imagesByProject([dto.projectName])).get(dto.projectName)?.length)
      throw conflict(`the registry still holds images under ${dto.projectName}`);
    await this.dataSource.transaction(async (manager) => {
      const { identifiers } = await manager
        .getRepository(RegistryProjectEntity)
        .insert({ businessId, name: dto.projectName, public: dto.public });
      await this.auditTrail.record(manager, {
        actor,
        action: 'registry.project-create',
        targetType: 'registry-project',
        targetId: (identifiers[0] as { id: number }).id,
        businessId,
        detail: { name: dto.projectName, public: dto.public },
      });
    });
  }

  /** The caller's business's projects and every public one; system administrators see all. */
  async listProjects(principal: Principal, query: ProjectListQuery): Promise<Paged<ProjectView>> {
    this.requireRegistry();
    const builder = this.projects.createQueryBuilder('p');
    const scope = businessScope(principal);
    if (scope !== 'all') {
      builder.where(
        new Brackets((visible) =>
          visible.where('p.business_id = :businessId', { businessId: scope ?? -1 }).orWhere('p.public'),
        ),
      );
    }
    if (query.projectName !== undefined)
      builder.andWhere("p.name ILIKE :name ESCAPE '\\'", { name: `%${escapeLike(query.projectName)}%` });
    if (query.public !== undefined) builder.andWhere('p.public = :public', { public: query.public });
    const { skip, take } = toPage(query);
    const [rows, total] = await builder
      .orderBy('p.id', query.order === 'desc' ? 'DESC' : 'ASC')
      .skip(skip)
      .take(take)
      .getManyAndCount();
    const images = await this.imagesByProject(rows.map((row) => row.name));
    const data = rows.map((row) => ({
      projectId: row.id,
      projectName: row.name,
      createTime: unixSeconds(row.createTime),
      updateTime: unixSeconds(row.updateTime),
      imageCount: images.get(row.name)?.length ?? 0,
      public: row.public,
    }));
    return { data, total };
  }

  /** All or nothing: every project must be the caller's business's and hold no image. */
  async deleteProjects(actor: Actor, ids: number[]): Promise<void> {
    this.requireRegistry();
    const businessId = ownBusiness(actor);
    const wanted = [...new Set(ids)];
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(RegistryProjectEntity);
      const found = await repository.find({
        where: { id: In(wanted), businessId },
        order: { id: 'ASC' },
        lock: { mode: 'pessimistic_write' },
      });
      const missing = wanted.filter((id) => !found.some((project) => project.id === id));
      if (missing.length > 0) throw notFound(`project ${missing.join(', ')}`);
      const images = await this.imagesByProject(found.map((project) => project.name));
      const busy = found.filter((project) => (images.get(project.name)?.length ?? 0) > 0);
      if (busy.length > 0) {
        throw conflict(
          `project ${busy.map((project) => project.name).join(', ')} still holds images: delete them first`,
        );
      }
      // Before the deletion commits: a name that is free again must already be held back.
      for (const project of found)
        await this.redis.set(
          releasedProjectKey(project.name),
          String(businessId),
          'EX',
          REGISTRY_TOKEN_SECONDS,
        );
      await repository.delete({ id: In(wanted) });
      for (const project of found) {
        await this.auditTrail.record(manager, {
          actor,
          action: 'registry.project-delete',
          targetType: 'registry-project',
          targetId: project.id,
          businessId,
          detail: { name: project.name },
        });
      }
    });
  }

  async listImages(principal: Principal, query: ImageListQuery): Promise<Paged<ImageView>> {
    const registry = this.requireRegistry();
    const project = await this.visibleProject(principal, query.projectName);
    let names = (await this.imagesByProject([project.name])).get(project.name) ?? [];
    if (query.imageName !== undefined) names = names.filter((name) => name.includes(query.imageName!));
    names.sort();
    if ((query.order ?? 'desc') === 'desc') names.reverse();
    const { skip, take } = toPage(query);
    const page = names.slice(skip, take === undefined ? undefined : skip + take);
    const data: ImageView[] = [];
    await forEachLimited(page, REGISTRY_CONCURRENCY, async (name) => {
      // A tag whose image config names no creation time (0) says nothing about when the image was made.
      const times = (await this.tagTimes(name, await this.client.tags(name)))
        .map((tag) => tag.created)
        .filter((created) => created > 0);
      data.push({
        projectName: project.name,
        public: project.public,
        imageName: name,
        imageAddress: `${registry.url}/${name}`,
        createTime: times.length ? Math.min(...times) : 0,
        updateTime: times.length ? Math.max(...times) : 0,
      });
    });
    data.sort((a, b) => page.indexOf(a.imageName) - page.indexOf(b.imageName));
    return { data, total: names.length };
  }

  async listTags(principal: Principal, query: TagListQuery): Promise<Paged<TagView>> {
    const registry = this.requireRegistry();
    await this.visibleProject(principal, projectOf(query.imageName));
    const tags = await this.existingTags(query.imageName);
    tags.sort();
    const { skip, take } = toPage(query);
    const page = await this.tagTimes(
      query.imageName,
      tags.slice(skip, take === undefined ? undefined : skip + take),
    );
    const data = page.map(({ tag, created }) => ({
      tag,
      imageAddress: `${registry.url}/${query.imageName}`,
      createTime: created,
      updateTime: created,
    }));
    return { data, total: tags.length };
  }

  /** Deletes every tag of each image, by manifest digest; the registry's catalog then lists them empty. */
  async deleteImages(principal: Principal, imageNames: string[]): Promise<void> {
    this.requireRegistry();
    const names = [...new Set(imageNames)];
    for (const name of names) await this.ownProject(principal, projectOf(name));
    const tagsOf = new Map<string, string[]>();
    for (const name of names) tagsOf.set(name, await this.existingTags(name));
    for (const name of names) {
      const digests = new Set<string>();
      for (const tag of tagsOf.get(name)!) {
        const manifest = await this.client.manifest(name, tag);
        if (manifest) digests.add(manifest.digest);
      }
      for (const digest of digests) await this.client.deleteManifest(name, digest);
    }
    await this.notifyRemoved(names);
  }

  /**
   * The registry deletes manifests, not tags: deleting a tag's manifest drops every tag pointing to it,
   * so the tags that should stay are pointed at the same manifest again afterwards.
   */
  async deleteTags(principal: Principal, imageName: string, tags: string[]): Promise<void> {
    this.requireRegistry();
    await this.ownProject(principal, projectOf(imageName));
    const existing = await this.existingTags(imageName);
    const doomed = new Set(tags);
    const missing = [...doomed].filter((tag) => !existing.includes(tag));
    if (missing.length > 0) throw notFound(`tag ${missing.join(', ')} of image ${imageName}`);
    const manifests = new Map<string, Manifest>();
    await forEachLimited(existing, REGISTRY_CONCURRENCY, async (tag) => {
      const manifest = await this.client.manifest(imageName, tag);
      if (manifest) manifests.set(tag, manifest);
    });
    const digests = new Set([...doomed].flatMap((tag) => manifests.get(tag)?.digest ?? []));
    const survivors = [...manifests].filter(
      ([tag, manifest]) => !doomed.has(tag) && digests.has(manifest.digest),
    );
    for (const digest of digests) await this.client.deleteManifest(imageName, digest);
    await retag(imageName, survivors, (tag, manifest) => this.client.putManifest(imageName, tag, manifest));
    await this.notifyRemoved([imageName]);
  }

  private async notifyRemoved(repositories: string[]): Promise<void> {
    for (const listener of this.removedListeners) await listener(repositories);
  }

  /** Images (repositories with at least one tag) of each project, from the registry's catalog. */
  private async imagesByProject(projectNames: string[]): Promise<Map<string, string[]>> {
    const result = new Map<string, string[]>(projectNames.map((name) => [name, []]));
    if (projectNames.length === 0) return result;
    const repositories = (await this.client.catalog()).filter((name) => result.has(projectOf(name)));
    await forEachLimited(repositories, REGISTRY_CONCURRENCY, async (name) => {
      if ((await this.client.tags(name)).length > 0) result.get(projectOf(name))!.push(name);
    });
    return result;
  }

  private async existingTags(imageName: string): Promise<string[]> {
    const tags = await this.client.tags(imageName);
    if (tags.length === 0) throw notFound(`image ${imageName}`);
    return tags;
  }

  /** Each tag's image creation time (Unix seconds; 0 when the image does not say). */
  private async tagTimes(imageName: string, tags: string[]): Promise<{ tag: string; created: number }[]> {
    const created = new Map<string, number>();
    await forEachLimited(tags, REGISTRY_CONCURRENCY, async (tag) => {
      const manifest = await this.client.manifest(imageName, tag);
      const time = manifest && (await this.client.created(imageName, manifest));
      created.set(tag, time ? unixSeconds(time) : 0);
    });
    return tags.map((tag) => ({ tag, created: created.get(tag) ?? 0 }));
  }

  /** A project the caller may read: their business's, or a public one; another business's private one is 404. */
  private async visibleProject(principal: Principal, name: string): Promise<RegistryProjectEntity> {
    const project = await this.projects.findOneBy({ name });
    const scope = businessScope(principal);
    if (!project || (scope !== 'all' && project.businessId !== scope && !project.public))
      throw notFound(`project ${name}`);
    return project;
  }

  /** A project the caller may change: their business's; a public one of another business is 403. */
  private async ownProject(principal: Principal, name: string): Promise<RegistryProjectEntity> {
    const project = await this.visibleProject(principal, name);
    if (project.businessId !== principal.businessId)
      throw forbidden(`project ${name} belongs to another business`);
    return project;
  }
}

/** The business a member works in; a system administrator has none to create or delete in. */
export function ownBusiness(principal: Principal): number {
  const scope = businessScope(principal);
  if (typeof scope !== 'number') throw forbidden('only members of a business manage its registry objects');
  return scope;
}
