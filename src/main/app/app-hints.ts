// The engine's hints name CLI commands ("tidemark accept-clock <db> …"): right
// in a terminal, wrong in a window. Every error and problem the app shows
// passes through here on its way to the UI, and gets the app's way to do it.

import type { TidemarkErrorDetail } from '../../shared/errors';

const REWRITES: Array<[RegExp, string]> = [
  [/\(tidemark credentials <db>\)/, '(Sync → Change… on the remote)'],
  [/accept them: tidemark accept-clock <db> \S+/, 'accept them on the Devices tab'],
  [/Choose where to sync: tidemark remote .*$/, 'Choose a folder or an S3 bucket on the Sync tab.'],
  [/Track it first: tidemark track <db> .*$/, 'Track it on the Tables tab first.'],
  [/(Sync first, then p|P)ick an id from `tidemark replicas <db>`\./, 'Sync, then choose it on the Devices tab.'],
  [/List them with `tidemark conflicts <db>`\./, 'Reload the Conflicts tab.'],
  [/Check the name: `tidemark status <db>` lists the tables\./, 'Check the name on the Tables tab.'],
  [/with `tidemark reidentify <db>`/, 'from a terminal with `tidemark reidentify <db>` (not in the app yet)'],
  [/, or drop --encrypt\./, ', or untick “Encrypt end to end”.'],
];

export function appHint(hint: string): string {
  for (const [pattern, replacement] of REWRITES) if (pattern.test(hint)) return hint.replace(pattern, replacement);
  return hint;
}

export function forApp(detail: TidemarkErrorDetail): TidemarkErrorDetail {
  const hint = appHint(detail.hint);
  // CLI flags as field names ("--encrypt") read as the setting they are.
  if (detail.kind === 'invalid-input' && detail.field.startsWith('--')) return { ...detail, field: detail.field.slice(2), hint };
  return hint === detail.hint ? detail : { ...detail, hint };
}
