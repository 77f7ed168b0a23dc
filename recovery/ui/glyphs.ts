/**
 * The characters the screens draw with. The Linux console (TERM=linux), serial terminals and the
 * classic Windows console cannot be trusted with Unicode box or block glyphs (a missing glyph shows
 * as a diamond or a question mark), so every screen has an ASCII form and uses it unless the
 * terminal is known to draw Unicode.
 */
export interface Glyphs {
  ascii: boolean;
  /** Marks the highlighted line of a list. */
  pointer: string;
  barFilled: string;
  barEmpty: string;
  /** Ink's borderStyle for boxes (help, dialogs). */
  border: 'classic' | 'single';
  /** A horizontal rule character. */
  rule: string;
  ok: string;
  bad: string;
  /** Spinner frames for work without a byte count. */
  spinner: readonly string[];
  moreAbove: string;
  moreBelow: string;
}

export const ASCII_GLYPHS: Glyphs = {
  ascii: true,
  pointer: '>',
  barFilled: '#',
  barEmpty: '.',
  border: 'classic',
  rule: '-',
  ok: 'OK',
  bad: '!!',
  spinner: ['|', '/', '-', '\\'],
  moreAbove: '^ more',
  moreBelow: 'v more',
};

export const UNICODE_GLYPHS: Glyphs = {
  ascii: false,
  pointer: '\u25b8',
  barFilled: '\u2588',
  barEmpty: '\u2591',
  border: 'single',
  rule: '\u2500',
  ok: '\u2713',
  bad: '\u2717',
  spinner: ['\u280b', '\u2819', '\u2839', '\u2838', '\u283c', '\u2834', '\u2826', '\u2827', '\u2807', '\u280f'],
  moreAbove: '\u2191 more',
  moreBelow: '\u2193 more',
};

/** Terminal types whose usual fonts draw block and box glyphs (when the locale is UTF-8). */
const UNICODE_TERMS = /^(xterm|screen|tmux|rxvt|alacritty|kitty|wezterm|foot|gnome|konsole|vte|contour|ghostty)/;

/**
 * ASCII unless the terminal is known to draw Unicode: LIFEBOAT_ASCII=1/0 forces either; on Windows
 * only Windows Terminal (WT_SESSION) gets Unicode; elsewhere the TERM must be a graphical terminal
 * emulator and the locale UTF-8. TERM=linux, vt100/vt220 (serial) and dumb always get ASCII.
 */
export function chooseGlyphs(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Glyphs {
  const forced = env['LIFEBOAT_ASCII'];
  if (forced === '1') return ASCII_GLYPHS;
  if (forced === '0') return UNICODE_GLYPHS;
  if (platform === 'win32') return env['WT_SESSION'] ? UNICODE_GLYPHS : ASCII_GLYPHS;
  const term = env['TERM'] ?? '';
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  return UNICODE_TERMS.test(term) && /utf-?8/i.test(locale) ? UNICODE_GLYPHS : ASCII_GLYPHS;
}
