// The window's last size and place, remembered in a small JSON file and
// checked against today's displays (a monitor may be gone). Electron-free.

import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect | null;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1200, height: 780 };
export const MIN_SIZE = { width: 880, height: 560 };

export function loadWindowState(file: string): WindowState {
  try {
    if (!existsSync(file)) return { bounds: null, maximized: false };
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<WindowState>;
    const b = raw.bounds;
    const valid = b && [b.x, b.y, b.width, b.height].every((n) => Number.isFinite(n));
    return { bounds: valid ? { x: b.x, y: b.y, width: b.width, height: b.height } : null, maximized: raw.maximized === true };
  } catch {
    return { bounds: null, maximized: false };
  }
}

export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.tmp`;
  writeFileSync(temp, JSON.stringify(state));
  renameSync(temp, file);
}

/** The saved bounds if most of the window is still on a display; otherwise a default size, centered by the OS. */
export function fitToDisplays(bounds: Rect | null, workAreas: Rect[]): Rect | { width: number; height: number } {
  if (!bounds) return DEFAULT_SIZE;
  const width = Math.max(MIN_SIZE.width, Math.round(bounds.width));
  const height = Math.max(MIN_SIZE.height, Math.round(bounds.height));
  const visible = workAreas.some((area) => overlap(area, { ...bounds, width, height }) >= 0.5 * width * height);
  if (!visible) return { width: Math.min(width, DEFAULT_SIZE.width), height: Math.min(height, DEFAULT_SIZE.height) };
  return { x: Math.round(bounds.x), y: Math.round(bounds.y), width, height };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}
