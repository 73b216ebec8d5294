import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BusinessModule } from '../business/business.module';
import { RegistryModule } from '../registry/registry.module';
import { AppController } from './app.controller';
import { AppEntity } from './app.entity';
import { AppService } from './app.service';
import { PackageController } from './package.controller';
import { PackageProcessor } from './package.processor';
import { PackageService } from './package.service';

/** Applications, their package state and the seed 004 package routes (SPEC §5). Other modules use AppService only. */
@Module({
  imports: [TypeOrmModule.forFeature([AppEntity]), BusinessModule, RegistryModule],
  controllers: [AppController, PackageController],
  providers: [AppService, PackageService, PackageProcessor],
  exports: [AppService],
})
export class ApplicationsModule {}
