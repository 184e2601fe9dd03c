// What "Test connection" found, in words: reachable, and what joining means.

import type { RemoteTestResult } from '../../../../shared/sync-types';
import { plural } from '../../components/format';
import { Icon } from '../../components/icons';

export function TestResult({ result }: { result: RemoteTestResult }) {
  const others = plural(result.replicas, 'other device');
  const text = result.willCreate
    ? 'The folder does not exist yet: saving creates it, and the first sync starts this database’s dataset there.'
    : {
        empty: 'Connected. Nothing is there yet: the first sync starts this database’s dataset there.',
        joins: `Connected. ${others} sync${result.replicas === 1 ? 's' : ''} here: this database joins them. You approve each other after the first sync.`,
        same: `Connected. This database already syncs here, with ${others}.`,
        other: 'This remote holds another set of databases: syncing would be refused. Choose an empty folder or prefix for this one.',
      }[result.dataset];
  const warn = result.dataset === 'other';
  return (
    <div className={warn ? 'test-result warning' : 'test-result ok'} role="status">
      <Icon name={warn ? 'alert' : 'check'} />
      <div>
        {text}
        {result.encrypted && ' Its files are encrypted end to end.'}
        {!result.willCreate && <span className="muted small"> · {result.ms} ms</span>}
      </div>
    </div>
  );
}
