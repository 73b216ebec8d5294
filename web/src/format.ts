/** Labels for the numeric states of SPEC §2, §3 and §7, as an operator reads them. */
export const DEPLOY_TYPE: Record<number, string> = { 1: 'new', 2: 'upgrade', 3: 'rollback', 4: 'delete' };
export const DEPLOY_STATUS = [
  'pending',
  'approved',
  'disapproved',
  'processing',
  'deploying',
  'success',
  'partial success',
  'failed',
  'internal error',
  'deleted',
];
export const PACKAGE_STATE = ['verifying', 'available', 'incomplete', 'corrupt'];

export const time = (seconds?: number) => (seconds ? new Date(seconds * 1000).toLocaleString() : '—');
export const bytes = (value: number) => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let unit = 0;
  let amount = value;
  while (amount >= 1024 && unit < units.length - 1) {
    amount /= 1024;
    unit += 1;
  }
  return `${amount.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
};
