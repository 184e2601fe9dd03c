// A list that renders only the rows in view, so a history of a million
// transactions scrolls like one of ten. Rows have one fixed height. Past a few
// million pixels browsers stop growing a scroll area, so beyond that the
// scrollbar maps proportionally onto the rows (scaled mode).
// Keyboard: ↑ ↓ PageUp PageDown Home End move the selection, Enter activates.

import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

const MAX_SCROLL_PX = 8_000_000;
const OVERSCAN = 8;
const END_THRESHOLD = 15;

interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  getKey(item: T, index: number): string;
  renderRow(item: T, index: number, selected: boolean): ReactNode;
  selectedIndex: number;
  onSelect(index: number): void;
  onActivate?(index: number): void;
  /** Called when the last rows come into view: load the next page. */
  onEndReached?(): void;
  /** Extra keys (the data grid's ← → Enter); return true when handled. */
  onKey?(event: KeyboardEvent<HTMLDivElement>): boolean;
  /** Every scroll, e.g. to keep a header's horizontal position in step. */
  onScroll?(element: HTMLDivElement): void;
  label: string;
  className?: string;
  idPrefix: string;
  /** Content width in px when rows are wider than the list (the data grid). */
  contentWidth?: number;
}

export function VirtualList<T>(props: VirtualListProps<T>) {
  const { items, rowHeight: h, selectedIndex, onSelect, onEndReached } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);

  useLayoutEffect(() => {
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    setHeight(element.clientHeight);
    return () => observer.disconnect();
  }, []);

  const n = items.length;
  const total = n * h;
  const spacer = Math.min(total, MAX_SCROLL_PX);
  const scale = total > MAX_SCROLL_PX ? Math.max(1, (total - height) / Math.max(1, spacer - height)) : 1;
  const virtualTop = Math.min(scrollTop * scale, Math.max(0, total - height));
  const first = Math.floor(virtualTop / h);
  const offset = virtualTop - first * h;
  const visible = Math.ceil(height / h) + 1;
  const start = Math.max(0, first - OVERSCAN);
  const end = Math.min(n, first + visible + OVERSCAN);
  const topOf = (i: number) => (scale === 1 ? i * h : scrollTop - offset + (i - first) * h);

  useEffect(() => {
    if (onEndReached && n > 0 && end >= n - END_THRESHOLD) onEndReached();
  }, [end, n, onEndReached]);

  const scrollToIndex = useCallback(
    (i: number) => {
      const element = scroller.current;
      if (!element) return;
      const firstFull = Math.ceil(virtualTop / h);
      const lastFull = Math.floor((virtualTop + height) / h) - 1;
      let target: number | null = null;
      if (i < firstFull) target = i * h;
      else if (i > lastFull) target = (i + 1) * h - height;
      if (target !== null) element.scrollTop = Math.max(0, target) / scale;
    },
    [virtualTop, height, h, scale],
  );

  useEffect(() => {
    if (selectedIndex >= 0 && selectedIndex < n) scrollToIndex(selectedIndex);
    // Only when the selection moves, not on every scroll.
  }, [selectedIndex]); // eslint-disable-line react-hooks/exhaustive-deps

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (props.onKey?.(event)) return;
    const page = Math.max(1, Math.floor(height / h) - 1);
    const move = (to: number) => {
      event.preventDefault();
      if (n > 0) onSelect(Math.max(0, Math.min(n - 1, to)));
    };
    switch (event.key) {
      case 'ArrowDown':
        return move(selectedIndex + 1);
      case 'ArrowUp':
        return move(selectedIndex <= 0 ? 0 : selectedIndex - 1);
      case 'PageDown':
        return move(selectedIndex + page);
      case 'PageUp':
        return move(selectedIndex - page);
      case 'Home':
        return move(0);
      case 'End':
        return move(n - 1);
      case 'Enter':
        if (selectedIndex >= 0 && props.onActivate) (event.preventDefault(), props.onActivate(selectedIndex));
    }
  };

  const rows: ReactNode[] = [];
  for (let i = start; i < end; i++) {
    const item = items[i]!;
    const selected = i === selectedIndex;
    rows.push(
      <div
        key={props.getKey(item, i)}
        id={`${props.idPrefix}-${i}`}
        role="option"
        aria-selected={selected}
        className={selected ? 'vrow selected' : 'vrow'}
        style={{ transform: `translateY(${topOf(i)}px)`, height: h }}
        onMouseDown={() => onSelect(i)}
        onDoubleClick={() => props.onActivate?.(i)}
      >
        {props.renderRow(item, i, selected)}
      </div>,
    );
  }

  return (
    <div
      ref={scroller}
      className={`vlist ${props.className ?? ''}`}
      role="listbox"
      aria-label={props.label}
      aria-activedescendant={selectedIndex >= 0 && selectedIndex < n ? `${props.idPrefix}-${selectedIndex}` : undefined}
      tabIndex={0}
      onScroll={(e) => (setScrollTop(e.currentTarget.scrollTop), props.onScroll?.(e.currentTarget))}
      onKeyDown={onKeyDown}
    >
      <div className="vlist-spacer" style={{ height: spacer, width: props.contentWidth ?? '100%' }}>
        {rows}
      </div>
    </div>
  );
}
