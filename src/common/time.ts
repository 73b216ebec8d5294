/** ote-stack bodies carry times as Unix seconds. */
export const unixSeconds = (date: Date): number => Math.floor(date.getTime() / 1000);
