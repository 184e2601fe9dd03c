// Times and names as the UI shows them, in the person's own locale.

import type { AuthorInfo } from '../../../shared/app-types';
import { shortId } from '../../../shared/value-format';

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const yearDayFormat = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function formatTime(ms: number, now = Date.now()): string {
  const date = new Date(ms);
  const today = new Date(now);
  const sameDay = date.toDateString() === today.toDateString();
  const yesterday = new Date(now - 86_400_000).toDateString() === date.toDateString();
  const day = sameDay ? 'Today' : yesterday ? 'Yesterday' : date.getFullYear() === today.getFullYear() ? dayFormat.format(date) : yearDayFormat.format(date);
  return `${day}, ${timeFormat.format(date)}`;
}

export const formatFullTime = (ms: number) => fullFormat.format(new Date(ms));

export function formatDay(ms: number): string {
  return yearDayFormat.format(new Date(ms));
}

export function authorLabel(uuid: string, authors: AuthorInfo[]): string {
  const known = authors.find((a) => a.uuid === uuid);
  if (known?.isSelf) return 'This device';
  return known?.name ?? shortId(uuid);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`;
}

/** For <input type="datetime-local">: local time without seconds. */
export function toLocalInput(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): number | undefined {
  if (!value) return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** Bytes as people read them: 0 B, 812 B, 14.2 KB, 3.1 MB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) (value /= 1000), (unit += 1);
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** "just now", "4 minutes ago", "yesterday, 14:02" — for things that happened. */
export function formatAgo(ms: number, now = Date.now()): string {
  const seconds = Math.round((now - ms) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 12) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return formatTime(ms, now);
}

/** "in 4 minutes", "at 14:02" — for what is planned. */
export function formatIn(ms: number, now = Date.now()): string {
  const minutes = Math.round((ms - now) / 60_000);
  if (minutes < 1) return 'in under a minute';
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `at ${formatTime(ms, now)}`;
}
