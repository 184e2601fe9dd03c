// A small set of line icons, inline (no icon font, nothing fetched: CSP).

import type { ReactNode } from 'react';

const paths: Record<string, ReactNode> = {
  database: (
    <>
      <ellipse cx="12" cy="5.5" rx="7" ry="2.5" />
      <path d="M5 5.5v13c0 1.4 3.1 2.5 7 2.5s7-1.1 7-2.5v-13" />
      <path d="M5 12c0 1.4 3.1 2.5 7 2.5s7-1.1 7-2.5" />
    </>
  ),
  table: (
    <>
      <rect x="3.5" y="4.5" width="17" height="15" rx="2" />
      <path d="M3.5 9.5h17M3.5 14.5h17M9.5 9.5v10" />
    </>
  ),
  history: (
    <>
      <path d="M4 12a8 8 0 1 0 2.4-5.7" />
      <path d="M4 4.5v3.8h3.8" />
      <path d="M12 8v4.2l2.8 1.8" />
    </>
  ),
  sync: (
    <>
      <path d="M19.5 8.5A8 8 0 0 0 5 7.3M4.5 15.5A8 8 0 0 0 19 16.7" />
      <path d="M19.8 4v4.6h-4.6M4.2 20v-4.6h4.6" />
    </>
  ),
  rows: (
    <>
      <rect x="3.5" y="4.5" width="17" height="15" rx="2" />
      <path d="M3.5 9.5h17M3.5 14.5h17" />
    </>
  ),
  plus: <path d="M12 5v14M5 12h14" />,
  open: (
    <>
      <path d="M3.5 7.5v10a2 2 0 0 0 2 2h13a2 2 0 0 0 2-2v-7a2 2 0 0 0-2-2h-6l-2-3h-5a2 2 0 0 0-2 2Z" />
    </>
  ),
  trash: (
    <>
      <path d="M4.5 7h15M9.5 7V4.8h5V7M6.5 7l.9 12.2a1.5 1.5 0 0 0 1.5 1.3h6.2a1.5 1.5 0 0 0 1.5-1.3L17.5 7" />
    </>
  ),
  revert: (
    <>
      <path d="M9 14 4.5 9.5 9 5" />
      <path d="M4.5 9.5h10a5 5 0 0 1 0 10H11" />
    </>
  ),
  search: (
    <>
      <circle cx="11" cy="11" r="6" />
      <path d="m15.5 15.5 4 4" />
    </>
  ),
  close: <path d="M6 6l12 12M18 6 6 18" />,
  chevron: <path d="m9.5 6 6 6-6 6" />,
  back: <path d="m14.5 6-6 6 6 6" />,
  alert: (
    <>
      <path d="M12 4 2.8 19.5h18.4Z" />
      <path d="M12 10v4.2M12 16.8v.2" />
    </>
  ),
  check: <path d="m5 12.5 4.5 4.5L19 7.5" />,
  lock: (
    <>
      <rect x="5" y="10.5" width="14" height="9.5" rx="2" />
      <path d="M8.5 10.5V8a3.5 3.5 0 0 1 7 0v2.5" />
    </>
  ),
  key: (
    <>
      <circle cx="8" cy="14" r="3.5" />
      <path d="m10.5 11.5 8-8M16 6l2.5 2.5M14 8l2 2" />
    </>
  ),
  edit: <path d="M4.5 19.5h4l10-10-4-4-10 10v4ZM13 7l4 4" />,
  timeline: (
    <>
      <circle cx="6" cy="6" r="1.8" />
      <circle cx="6" cy="12" r="1.8" />
      <circle cx="6" cy="18" r="1.8" />
      <path d="M10.5 6h9M10.5 12h9M10.5 18h6" />
    </>
  ),
  user: (
    <>
      <circle cx="12" cy="8.5" r="3.5" />
      <path d="M5 20c.8-3.5 3.6-5.5 7-5.5s6.2 2 7 5.5" />
    </>
  ),
  devices: (
    <>
      <rect x="3" y="5" width="13" height="9.5" rx="1.5" />
      <path d="M1.8 18h15.4M18.5 9h2.5a1 1 0 0 1 1 1v8a1 1 0 0 1-1 1h-2.5a1 1 0 0 1-1-1v-8a1 1 0 0 1 1-1Z" />
    </>
  ),
  conflict: (
    <>
      <path d="M6 4v5a4 4 0 0 0 4 4h4a4 4 0 0 1 4 4v3" />
      <path d="M18 4v5a4 4 0 0 1-4 4" />
      <circle cx="6" cy="4" r="1.6" />
      <circle cx="18" cy="4" r="1.6" />
    </>
  ),
  cloud: <path d="M7 18.5h10a4 4 0 0 0 .6-7.96A5.5 5.5 0 0 0 7 9.5a4.5 4.5 0 0 0 0 9Z" />,
  shield: (
    <>
      <path d="M12 3.5 5 6v5.5c0 4.2 3 7.6 7 9 4-1.4 7-4.8 7-9V6Z" />
      <path d="m9 12 2.2 2.2L15.5 10" />
    </>
  ),
  archive: (
    <>
      <rect x="3.5" y="4.5" width="17" height="4" rx="1" />
      <path d="M5 8.5v9a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-9M10 12.5h4" />
    </>
  ),
  clock: (
    <>
      <circle cx="12" cy="12" r="8" />
      <path d="M12 7.5V12l3 2" />
    </>
  ),
  folder: <path d="M3.5 7.5v10a2 2 0 0 0 2 2h13a2 2 0 0 0 2-2v-7a2 2 0 0 0-2-2h-6l-2-3h-5a2 2 0 0 0-2 2Z" />,
};

export type IconName = keyof typeof paths;

export function Icon({ name, size = 16, className }: { name: IconName; size?: number; className?: string }) {
  return (
    <svg
      className={className ? `icon ${className}` : 'icon'}
      width={size}
      height={size}
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.7"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {paths[name]}
    </svg>
  );
}

/** The mark: a tide line over a baseline. */
export function Logo({ size = 22 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" className="logo">
      <rect width="24" height="24" rx="6" className="logo-bg" />
      <path d="M4.5 13.5c2.2-2.6 4.3-2.6 6.5 0s4.3 2.6 6.5 0 2.2-1.3 2.5-1.6" className="logo-wave" />
      <path d="M5 18h14" className="logo-line" />
    </svg>
  );
}
