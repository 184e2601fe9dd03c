// A typed error as a person reads it: what happened, then what to do.

import { describeError, type TidemarkErrorDetail } from '../../../shared/errors';
import { Icon } from './icons';

export function ErrorNotice({ error, compact = false }: { error: TidemarkErrorDetail; compact?: boolean }) {
  return (
    <div className={compact ? 'error-notice compact' : 'error-notice'} role="alert">
      <Icon name="alert" className="error-icon" />
      <div>
        <div className="error-message">{describeError(error)}</div>
        {error.hint && <div className="error-hint">{error.hint}</div>}
      </div>
    </div>
  );
}
