// Damaged batch files, reported back to their author (DESIGN.md 4.5: "a
// truncated or tampered file ... the next sync recovers"). Only a batch's
// author may write it again, but only its readers see that it went bad on the
// remote (a sync tool, a disk, a person). So a reader names the files it found
// damaged in its own signed head (`damaged`), and the author, reading that
// head, checks those files and uploads them again (mend-batches.ts).

import type { Database } from 'better-sqlite3';
import { TidemarkError } from '../../../shared/errors';
import type { TidemarkDatabase } from '../database';
import { META, readMeta, writeMeta } from '../schema';
import type { Head } from './head';

/**
 * A batch file of `replica`'s that this device found damaged, or its whole
 * `batches/{replica}/` folder when a chain of files fetched by LIST does not
 * add up and no one file is to blame.
 */
export interface DamageReport {
  replica: string;
  file: string;
  /** The `written` id (or etag) of the replica's head it was found at: found again at a newer head, it is reported anew. */
  seen: string;
}

/** A report about one of our own files, found in a trusted replica's head. */
export interface ReportAboutUs {
  reporter: string;
  /** The etag of the reporter's head: a report is acted on once per head. */
  etag: string;
  file: string;
}

/** Reports acted on in one sync at most; a head lists one per replica it reads. */
export const MAX_REPORTS_ABOUT_US = 64;

export const REPORTED_HINT = 'This device asked that replica to upload the file again; it does so when it next syncs, and its changes follow.';

const BATCH_FILE = /^batches\/([0-9a-f-]{36})\/(?:[0-9a-f-]{36}_[0-9a-f-]{36}\.db\.gz)?$/;

/** The batch file of `replica` that `error` says is damaged, missing or cut short; null for any other fault. */
export function damagedBatchOf(replica: string, error: unknown): string | null {
  if (!(error instanceof TidemarkError) || error.detail.kind !== 'corrupt-file') return null;
  const { file, again } = error.detail;
  if (!isBatchFileOf(replica, file)) return null;
  // A file cut short twice (`again`) is reported: on the remote it reads so every time. But
  // batches missing from a listing (`again`) are most often a sync tool still copying them.
  return file.endsWith('/') && again === true ? null : file;
}

/** Whether `file` is a key of one of `replica`'s batch files, or the folder of them. */
export function isBatchFileOf(replica: string, file: string): boolean {
  const match = BATCH_FILE.exec(file);
  return match !== null && match[1] === replica;
}

/** The files this device reports as damaged, one per replica, in replica order. */
export function readOurReports(db: Database): DamageReport[] {
  const text = readMeta(db, META.damageReports);
  return text ? (JSON.parse(text) as DamageReport[]) : [];
}

/** Saves the reports when they changed (a sync with nothing to report writes nothing). */
export function writeOurReports(db: TidemarkDatabase, reports: ReadonlyMap<string, DamageReport>): void {
  const list = [...reports.values()].sort((x, y) => (x.replica < y.replica ? -1 : 1));
  writeIfChanged(db, META.damageReports, JSON.stringify(list), '[]');
}

/** Writes a ZV_METADATA value only when it differs from what is there (`none`: the text of nothing). */
function writeIfChanged(db: TidemarkDatabase, key: string, text: string, none: string): void {
  if (text !== (readMeta(db.sqlite, key) ?? none)) db.transaction(() => writeMeta(db.sqlite, key, text));
}

/** What trusted heads report about our own files, each once, at most MAX_REPORTS_ABOUT_US. */
export function reportsAboutUs(self: string, heads: ReadonlyArray<{ replica: string; head: Head; etag: string }>): ReportAboutUs[] {
  const reports: ReportAboutUs[] = [];
  for (const { replica, head, etag } of heads) {
    for (const report of head.damaged ?? []) {
      if (report.replica !== self || !isBatchFileOf(self, report.file)) continue;
      if (reports.length < MAX_REPORTS_ABOUT_US) reports.push({ reporter: replica, etag, file: report.file });
    }
  }
  return reports;
}

/** `reporter file` → the reporter's head etag when we last acted on that report. */
type Handled = Record<string, string>;

const handledKey = (report: ReportAboutUs) => `${report.reporter} ${report.file}`;

/** Where the reports about us stand: those not yet acted on at the reporter's current head, and of those the ones never acted on at any head. */
export function sortReports(db: Database, reports: readonly ReportAboutUs[]): { unhandled: ReportAboutUs[]; first: ReportAboutUs[] } {
  const text = readMeta(db, META.damageHandled);
  const handled = text ? (JSON.parse(text) as Handled) : {};
  const unhandled = reports.filter((report) => handled[handledKey(report)] !== report.etag);
  return { unhandled, first: unhandled.filter((report) => handled[handledKey(report)] === undefined) };
}

/** Records every current report as acted on (reports no longer made are forgotten); writes only a change. */
export function markReportsHandled(db: TidemarkDatabase, reports: readonly ReportAboutUs[]): void {
  const handled: Handled = {};
  for (const report of reports) handled[handledKey(report)] = report.etag;
  writeIfChanged(db, META.damageHandled, JSON.stringify(handled), '{}');
}
