import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth/auth.module';
import { BusinessController } from './business.controller';
import { BusinessEntity } from './business.entity';
import { BusinessService } from './business.service';

@Module({
  imports: [TypeOrmModule.forFeature([BusinessEntity]), AuthModule],
  controllers: [BusinessController],
  providers: [BusinessService],
  exports: [BusinessService],
})
export class BusinessModule {}
