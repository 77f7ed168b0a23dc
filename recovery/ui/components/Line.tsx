import { Text, type TextProps } from 'ink';

/** Cuts text to fit a column, marking the cut with "~" (Ink's own cut uses "…", which the Linux console cannot draw). */
export function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}~` : text;
}

/** One line of text that never wraps, cut with an ASCII mark at `width` (the screen's 80 columns by default). */
export function Line({ children, width = 80, ...props }: Omit<TextProps, 'children' | 'wrap'> & { children: string; width?: number }) {
  return (
    <Text {...props} wrap="truncate-end">
      {fit(children, width)}
    </Text>
  );
}
