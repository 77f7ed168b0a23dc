import { Box, Text } from 'ink';
import { useEffect, useRef, useState } from 'react';
import { useGlyphs } from '../app-context.js';
import { useScreenInput } from '../use-screen-input.js';
import { Line } from './Line.js';

export interface ListItem {
  key: string;
  label: string;
  /** A line shown under the list while this item is highlighted. */
  hint?: string;
  /** Why it cannot be chosen; it stays listed (dim) so the person sees it and learns why. */
  disabled?: string | null;
}

export interface SelectListProps {
  items: readonly ListItem[];
  onSelect: (item: ListItem) => void;
  onHighlight?: (item: ListItem) => void;
  /** Rows shown at once; the list scrolls beyond that. */
  height?: number;
  initialKey?: string;
  active?: boolean;
}

/**
 * A keyboard list: Up/Down, PgUp/PgDn, Home/End move, Enter chooses. A disabled item can be
 * highlighted (to read why) but not chosen. Only what fits is drawn, with "more" marks.
 */
export function SelectList({ items, onSelect, onHighlight, height = 10, initialKey, active = true }: SelectListProps) {
  const glyphs = useGlyphs();
  // The highlight follows an item, not a row number: lists grow while disks are read or
  // repositories found, and the item under the cursor must stay the one the person chose.
  // Until a key is pressed it rests on the first choosable item, wherever that ends up.
  const [highlightKey, setHighlightKey] = useState<string | null>(initialKey ?? null);
  const found = items.findIndex((item) => item.key === highlightKey);
  const current =
    found >= 0
      ? found
      : Math.max(
          0,
          items.findIndex((item) => !item.disabled),
        );
  const highlighted = items[current];
  // Keys can arrive faster than renders (a paste, a remote terminal): each key starts from the
  // highlight the previous key left, kept in a ref, not from the one this render saw.
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const keyRef = useRef(highlighted?.key ?? null);
  keyRef.current = highlighted?.key ?? null;
  const move = (to: (index: number, last: number) => number) => {
    const list = itemsRef.current;
    const at = Math.max(
      0,
      list.findIndex((item) => item.key === keyRef.current),
    );
    const next = list[Math.max(0, Math.min(list.length - 1, to(at, list.length - 1)))]?.key ?? keyRef.current;
    keyRef.current = next;
    setHighlightKey(next);
  };
  useEffect(() => {
    if (highlighted) onHighlight?.(highlighted);
    // Tell the owner when the highlighted item changes, not on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [highlighted?.key]);

  useScreenInput((input, key) => {
    if (key.upArrow) move((at) => at - 1);
    else if (key.downArrow) move((at) => at + 1);
    else if (key.pageUp) move((at) => at - height);
    else if (key.pageDown) move((at) => at + height);
    else if (key.home) move(() => 0);
    else if (key.end) move((_at, last) => last);
    else if (/^[1-9]$/.test(input)) move(() => Number(input) - 1);
    else if (key.return) {
      const chosen = itemsRef.current.find((item) => item.key === keyRef.current);
      if (chosen && !chosen.disabled) onSelect(chosen);
    }
  }, active);

  if (items.length === 0) return <Text dimColor>(nothing to choose)</Text>;
  const rows = Math.min(height, items.length);
  const top = Math.max(0, Math.min(current - Math.floor(rows / 2), items.length - rows));
  const shown = items.slice(top, top + rows);
  const pad = ' '.repeat(glyphs.pointer.length);
  return (
    <Box flexDirection="column">
      {top > 0 ? <Text dimColor>{`  ${glyphs.moreAbove}`}</Text> : null}
      {shown.map((item, i) => {
        const selected = top + i === current;
        return (
          <Line key={item.key} dimColor={Boolean(item.disabled) && !selected} inverse={selected}>
            {`${selected ? glyphs.pointer : pad} ${item.label}`}
          </Line>
        );
      })}
      {top + rows < items.length ? <Text dimColor>{`  ${glyphs.moreBelow}`}</Text> : null}
      {highlighted?.disabled ? (
        <Text color="yellow" wrap="wrap">{`Cannot be chosen: ${highlighted.disabled}`}</Text>
      ) : highlighted?.hint ? (
        <Text dimColor wrap="wrap">
          {highlighted.hint}
        </Text>
      ) : null}
    </Box>
  );
}
