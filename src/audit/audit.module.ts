import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditController } from './audit.controller';
import { AuditLogEntity } from './audit-log.entity';
import { AuditTrail } from './audit-trail.service';

/** Global: every module whose decisions are audited records through AuditTrail. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntity])],
  controllers: [AuditController],
  providers: [AuditTrail],
  exports: [AuditTrail],
})
export class AuditModule {}
