import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { APP_NAME_RULE, VERSION_RULE } from '../app/app-rules';
import { APP_NAME_MESSAGE, VERSION_MESSAGE } from '../app/dto';

/** `POST /v1/app/chart` form fields (seed 002); the archive comes as the `chart` file. */
export class UploadChartDto {
  @ApiProperty({ example: 'test1' })
  @IsString()
  @Matches(APP_NAME_RULE, { message: APP_NAME_MESSAGE })
  appName: string;

  @ApiProperty({ example: '1.2' })
  @IsString()
  @Matches(VERSION_RULE, { message: VERSION_MESSAGE })
  version: string;
}
