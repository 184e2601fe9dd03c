// A modal dialog: focus moves in and stays in (Tab cycles), Escape closes,
// focus returns to where it was. One at a time is all the app needs.

import { useEffect, useRef, type ReactNode } from 'react';
import { Icon } from './icons';

interface DialogProps {
  title: string;
  onClose(): void;
  children: ReactNode;
  footer?: ReactNode;
  width?: 'narrow' | 'wide';
  /** Closing is refused while work runs (e.g. a revert being written). */
  busy?: boolean;
}

export function Dialog({ title, onClose, children, footer, width = 'narrow', busy = false }: DialogProps) {
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = panel.current?.querySelector<HTMLElement>('[autofocus], input, select, textarea, button:not(.dialog-close)');
    (first ?? panel.current)?.focus();
    return () => previous?.focus();
  }, []);

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape' && !busy) {
      event.stopPropagation();
      onClose();
    }
    if (event.key === 'Tab' && panel.current) {
      const focusable = [...panel.current.querySelectorAll<HTMLElement>('button, input, select, textarea, [tabindex="0"]')].filter((e) => !e.hasAttribute('disabled'));
      if (focusable.length === 0) return;
      const [first, last] = [focusable[0]!, focusable[focusable.length - 1]!];
      if (event.shiftKey && document.activeElement === first) (event.preventDefault(), last.focus());
      else if (!event.shiftKey && document.activeElement === last) (event.preventDefault(), first.focus());
    }
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && !busy && onClose()}>
      <div className={`dialog dialog-${width}`} role="dialog" aria-modal="true" aria-label={title} ref={panel} tabIndex={-1} onKeyDown={onKeyDown}>
        <header className="dialog-header">
          <h2>{title}</h2>
          <button type="button" className="icon-button dialog-close" aria-label="Close" onClick={onClose} disabled={busy}>
            <Icon name="close" />
          </button>
        </header>
        <div className="dialog-body">{children}</div>
        {footer && <footer className="dialog-footer">{footer}</footer>}
      </div>
    </div>
  );
}
