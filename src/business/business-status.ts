import { conflict } from '../common/errors';

export enum BusinessStatus {
  Pending = 0,
  Approved = 1,
  Disapproved = 2,
  Deleted = 3,
}

/** The only moves a business makes: a system administrator decides once on a pending business. */
const TRANSITIONS: Record<BusinessStatus, readonly BusinessStatus[]> = {
  [BusinessStatus.Pending]: [BusinessStatus.Approved, BusinessStatus.Disapproved],
  [BusinessStatus.Approved]: [BusinessStatus.Deleted],
  [BusinessStatus.Disapproved]: [],
  [BusinessStatus.Deleted]: [],
};

export function canMoveBusiness(from: BusinessStatus, to: BusinessStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertBusinessTransition(from: BusinessStatus, to: BusinessStatus): void {
  if (!canMoveBusiness(from, to)) {
    throw conflict(
      `business is ${BusinessStatus[from].toLowerCase()} and cannot become ${BusinessStatus[to].toLowerCase()}`,
    );
  }
}
