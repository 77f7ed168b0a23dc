/** 75 -> "01:15", 3725 -> "1:02:05"; null (unknown) -> "--:--". Shared by the CLI's printers and the TUI. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}
