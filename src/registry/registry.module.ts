import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { SecretBox } from '../common/secret-box';
import { ExternalRepositoryService } from './external-repository.service';
import { RegistryAccountService } from './registry-account.service';
import { RegistryClient } from './registry-client';
import {
  ExternalRepositoryController,
  RegistryTokenController,
  RepositoryController,
} from './registry.controller';
import { ExternalRepositoryEntity, RegistryAccountEntity, RegistryProjectEntity } from './registry.entity';
import { RegistryService } from './registry.service';
import { RegistryTokenService } from './registry-token.service';

/**
 * The image registry (SPEC §11): a standard OCI Distribution registry holds blobs and manifests, this
 * module holds projects, accounts and rights and is the registry's token service. Other modules use
 * RegistryService (digests, removals) and ExternalRepositoryService (pull secrets).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([RegistryAccountEntity, RegistryProjectEntity, ExternalRepositoryEntity]),
    AuthModule,
  ],
  controllers: [RegistryTokenController, RepositoryController, ExternalRepositoryController],
  providers: [
    RegistryTokenService,
    RegistryClient,
    RegistryService,
    RegistryAccountService,
    ExternalRepositoryService,
    SecretBox,
  ],
  exports: [RegistryService, ExternalRepositoryService],
})
export class RegistryModule {}
