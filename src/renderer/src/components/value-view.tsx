// One value from a cell or the change log, styled by kind (NULL, blob, number...).

import { showValue, shortText } from '../../../shared/value-format';

interface ValueViewProps {
  json: string | null;
  max?: number;
  /** Show the whole value on several lines (detail panes) instead of one cut line (grids, lists). */
  wrap?: boolean;
  className?: string;
}

export function ValueView({ json, max = 120, wrap = false, className }: ValueViewProps) {
  const shown = showValue(json);
  const text = shown.kind === 'text' && !wrap ? shortText(shown.text, max) : shown.text;
  const classes = ['value', `value-${shown.kind}`, wrap ? 'value-wrap' : '', className ?? ''].filter(Boolean).join(' ');
  return (
    <span className={classes} title={!wrap && shown.kind === 'text' && shown.text.length > max ? shown.text : undefined}>
      {shown.kind === 'text' && text === '' ? '""' : text}
    </span>
  );
}
