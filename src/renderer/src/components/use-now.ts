// The current time, re-read every `everyMs`, so "synced 3 minutes ago" and
// "next in 2 minutes" stay true while the screen is open.

import { useEffect, useState } from 'react';

export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
