import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { BusinessModule } from '../business/business.module';
import { RegistryModule } from '../registry/registry.module';
import { AppController } from './app.controller';
import { AppEntity } from './app.entity';
import { AppService } from './app.service';
import { PackageProcessor } from './package.processor';

/** Applications and their package state (SPEC §5). Other modules use AppService only. */
@Module({
  imports: [TypeOrmModule.forFeature([AppEntity]), BusinessModule, RegistryModule],
  controllers: [AppController],
  providers: [AppService, PackageProcessor],
  exports: [AppService],
})
export class AppModule {}
