/** Snooze presets from `now` in local time: in an hour, tomorrow at 9:00, next Monday at 9:00. */
export function snoozePresets(now: Date): { oneHour: Date; tomorrow: Date; nextWeek: Date } {
  const oneHour = new Date(now.getTime() + 3600_000);
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1, 9, 0, 0, 0);
  // Days until the next Monday, a full week when today is Monday.
  const days = ((8 - now.getDay()) % 7) || 7;
  const nextWeek = new Date(now.getFullYear(), now.getMonth(), now.getDate() + days, 9, 0, 0, 0);
  return { oneHour, tomorrow, nextWeek };
}
