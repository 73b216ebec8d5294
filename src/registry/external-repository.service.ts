import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, In, Repository } from 'typeorm';
import { businessScope, Principal } from '../common/auth/principal';
import { conflict, notFound } from '../common/errors';
import { Paged, toPage } from '../common/paging';
import { SecretBox } from '../common/secret-box';
import { CreateExternalRepositoryDto, ExternalRepositoryListQuery } from './dto';
import { RegistryCredentials } from './pull-secret';
import { ExternalRepositoryEntity } from './registry.entity';
import { ownBusiness } from './registry.service';

/** An external repository as the routes show it: never its password. */
export interface ExternalRepositoryView {
  id: number;
  repositoryId: string;
  address: string;
  user: string;
}

const toView = (row: ExternalRepositoryEntity): ExternalRepositoryView => ({
  id: row.id,
  repositoryId: row.repositoryId,
  address: row.address,
  user: row.userName,
});

/** Credentials of registries the platform does not manage, for pull secrets (SPEC §11). */
@Injectable()
export class ExternalRepositoryService {
  constructor(
    @InjectRepository(ExternalRepositoryEntity)
    private readonly repositories: Repository<ExternalRepositoryEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  async create(principal: Principal, dto: CreateExternalRepositoryDto): Promise<void> {
    const businessId = ownBusiness(principal);
    if (await this.repositories.existsBy({ businessId, repositoryId: dto.repositoryId }))
      throw conflict(`repository ${dto.repositoryId} already exists`);
    await this.repositories.insert({
      businessId,
      repositoryId: dto.repositoryId,
      address: dto.address,
      userName: dto.user,
      sealedPassword: this.secrets.seal(dto.password),
    });
  }

  async list(
    principal: Principal,
    query: ExternalRepositoryListQuery,
  ): Promise<Paged<ExternalRepositoryView>> {
    const scope = businessScope(principal);
    const [rows, total] = await this.repositories.findAndCount({
      where: scope === 'all' ? {} : { businessId: scope ?? -1 },
      order: { id: query.order === 'desc' ? 'DESC' : 'ASC' },
      ...toPage(query),
    });
    return { data: rows.map(toView), total };
  }

  async get(principal: Principal, repositoryId: string): Promise<ExternalRepositoryView> {
    const scope = businessScope(principal);
    const row = await this.repositories.findOneBy(
      scope === 'all' ? { repositoryId } : { repositoryId, businessId: scope ?? -1 },
    );
    if (!row) throw notFound(`repository ${repositoryId}`);
    return toView(row);
  }

  /** All or nothing. Deployments that use one keep the pull secret they have in their clusters. */
  async remove(principal: Principal, repositoryIds: string[]): Promise<void> {
    const businessId = ownBusiness(principal);
    const wanted = [...new Set(repositoryIds)];
    await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(ExternalRepositoryEntity);
      const found = await repository.find({
        where: { businessId, repositoryId: In(wanted) },
        lock: { mode: 'pessimistic_write' },
      });
      const missing = wanted.filter((id) => !found.some((row) => row.repositoryId === id));
      if (missing.length > 0) throw notFound(`repository ${missing.join(', ')}`);
      await repository.delete({ id: In(found.map((row) => row.id)) });
    });
  }

  /** The credentials a deployment of this business pulls with; null when the repository is gone. */
  async pullSecretFor(businessId: number, repositoryId: string): Promise<RegistryCredentials | null> {
    const row = await this.repositories.findOneBy({ businessId, repositoryId });
    if (!row) return null;
    return { address: row.address, user: row.userName, password: this.secrets.open(row.sealedPassword) };
  }

  /** pullSecretFor's credentials sealed, for a deployment request to keep; null when the repository is gone. */
  async sealedPullCredentials(businessId: number, repositoryId: string): Promise<string | null> {
    const credentials = await this.pullSecretFor(businessId, repositoryId);
    return credentials && this.secrets.seal(JSON.stringify(credentials));
  }

  openPullCredentials(sealed: string): RegistryCredentials {
    return JSON.parse(this.secrets.open(sealed)) as RegistryCredentials;
  }
}
