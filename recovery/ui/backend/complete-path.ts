/** Tab completion of a folder path in a text field: unique match completes, several complete their common start. */
import { readdir } from 'node:fs/promises';
import path from 'node:path';

export async function completePath(typed: string): Promise<string> {
  if (!typed.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(typed)) return typed;
  const endsWithSeparator = typed.endsWith('/') || typed.endsWith(path.sep);
  const dir = endsWithSeparator ? typed : path.dirname(typed);
  const start = endsWithSeparator ? '' : path.basename(typed);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory() && e.name.startsWith(start) && (start.startsWith('.') || !e.name.startsWith('.'))).map((e) => e.name);
  if (names.length === 0) return typed;
  const joined = (name: string) => (endsWithSeparator ? `${typed}${name}` : path.join(dir, name));
  if (names.length === 1) return `${joined(names[0] as string)}/`;
  let common = names[0] as string;
  for (const name of names) while (!name.startsWith(common)) common = common.slice(0, -1);
  return common.length > start.length ? joined(common) : typed;
}
