// How a value from the change log or a table cell reads to a person. Pure and
// DOM-free (no Buffer either), so the renderer, main and tests share it.
// Input is the JSON text the log stores (DESIGN.md 1); SQL NULL in an old value
// means "did not exist before".

export type ValueKind = 'absent' | 'null' | 'text' | 'integer' | 'real' | 'blob';

export interface ShownValue {
  kind: ValueKind;
  /** Short text for a cell or a list. */
  text: string;
  /** The text an editor starts from (null for NULL, blobs and absent values). */
  editable: string | null;
}

export function showValue(json: string | null): ShownValue {
  if (json === null) return { kind: 'absent', text: '—', editable: null };
  if (json === 'null') return { kind: 'null', text: 'NULL', editable: null };
  const first = json.charCodeAt(0);
  if (first === 34 /* " */) {
    try {
      const text = JSON.parse(json) as string;
      return { kind: 'text', text, editable: text };
    } catch {
      return { kind: 'text', text: json, editable: json };
    }
  }
  if (first === 123 /* { */) {
    const match = /^\{"\$blob":"([A-Za-z0-9+/=]*)"\}$/.exec(json);
    if (match) {
      const b64 = match[1]!;
      const bytes = Math.floor((b64.length * 3) / 4) - (b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0);
      return { kind: 'blob', text: `<${bytes} byte${bytes === 1 ? '' : 's'}>`, editable: null };
    }
    return { kind: 'text', text: json, editable: json };
  }
  if (json === '1e999') return { kind: 'real', text: 'Infinity', editable: 'Infinity' };
  if (json === '-1e999') return { kind: 'real', text: '-Infinity', editable: '-Infinity' };
  if (/^-?\d+$/.test(json)) return { kind: 'integer', text: json, editable: json };
  return { kind: 'real', text: json, editable: json };
}

/** A one-line version of a possibly long or multi-line value. */
export function shortText(text: string, max = 120): string {
  const line = text.replace(/\s+/g, ' ');
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Ids are long; people recognise the start and end. */
export function shortId(id: string): string {
  return id.length > 13 ? `${id.slice(0, 8)}…${id.slice(-4)}` : id;
}
