// Short confirmations and failures in the corner; each leaves on its own.

import { useEffect } from 'react';
import { useStore } from 'zustand';
import { describeError } from '../../../shared/errors';
import { useStores } from '../stores/context';
import type { Notice } from '../stores/ui-store';
import { Icon } from './icons';

export function Notices() {
  const { ui } = useStores();
  const notices = useStore(ui, (s) => s.notices);
  return (
    <div className="notices" role="status" aria-live="polite">
      {notices.map((n) => (
        <NoticeView key={n.id} notice={n} onDismiss={() => ui.getState().dismiss(n.id)} />
      ))}
    </div>
  );
}

function NoticeView({ notice, onDismiss }: { notice: Notice; onDismiss(): void }) {
  useEffect(() => {
    const timer = setTimeout(onDismiss, notice.tone === 'error' ? 8000 : 2600);
    return () => clearTimeout(timer);
  }, [notice.id]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div className={`notice notice-${notice.tone}`}>
      <Icon name={notice.tone === 'error' ? 'alert' : notice.tone === 'info' ? 'shield' : 'check'} />
      <div>
        <div>{notice.text}</div>
        {notice.detail && <div className="notice-detail">{describeError(notice.detail)}. {notice.detail.hint}</div>}
      </div>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
        <Icon name="close" size={14} />
      </button>
    </div>
  );
}
