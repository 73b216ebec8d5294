import { Matches } from 'class-validator';
import bcrypt from 'bcryptjs';

/** SPEC §2: 8–20 characters with at least one upper-case letter, one lower-case letter and one digit. */
export const PASSWORD_RULE = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d).{8,20}$/;
export const IsPassword = () =>
  Matches(PASSWORD_RULE, {
    message: '$property must be 8-20 characters with an upper-case letter, a lower-case letter and a digit',
  });

export const hashPassword = (password: string, rounds: number) => bcrypt.hash(password, rounds);
export const verifyPassword = (password: string, hash: string) => bcrypt.compare(password, hash);
