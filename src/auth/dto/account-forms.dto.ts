import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../../accounts/account-rules';

/*
 * The account forms' fields: types and upper bounds only (nothing huge reaches a hash). The
 * account rules themselves (username pattern, name, password length) are the AccountsService's,
 * one set for the pages, the JSON API and the CLI.
 */

export class LoginDto {
  @IsString({ message: 'Username must be text.' })
  @MaxLength(200, { message: 'Username is too long.' })
  username!: string;

  @IsString({ message: 'Password must be text.' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: 'Password is too long.' })
  password!: string;

  @IsOptional()
  @IsString({ message: 'next must be text.' })
  next?: string;
}

export class NewAccountDto {
  @IsString({ message: 'Username must be text.' })
  @MaxLength(200, { message: 'Username must be 3 to 32 characters.' })
  username!: string;

  @IsOptional()
  @IsString({ message: 'Name must be text.' })
  @MaxLength(200, { message: 'Name must be 1 to 80 characters.' })
  name?: string;

  @IsIn(['admin', 'author'], { message: 'Role must be admin or author.' })
  role!: string;

  @IsString({ message: 'Password must be text.' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: 'Password is too long.' })
  password!: string;
}

export class NameDto {
  @IsString({ message: 'Name must be text.' })
  @MaxLength(200, { message: 'Name must be 1 to 80 characters.' })
  name!: string;
}

export class PasswordChangeDto {
  @IsString({ message: 'Current password must be text.' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: 'Current password is not right.' })
  current!: string;

  @IsString({ message: 'Password must be text.' })
  @MaxLength(PASSWORD_MAX_LENGTH, { message: 'Password is too long.' })
  password!: string;
}

export class RoleDto {
  @IsIn(['admin', 'author'], { message: 'Role must be admin or author.' })
  role!: string;
}
