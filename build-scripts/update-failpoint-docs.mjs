// Rewrites the table between the markers of docs/failpoints.md from the engine's failpoint table
// (build/recovery/core/failpoints/failpoint-table.js, so run after `npm run build:ts`). The unit
// test test/unit/core/failpoints.test.ts fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { failpointMarkdown } = await import(path.join(root, 'build/recovery/core/failpoints/failpoint-table.js'));
const file = path.join(root, 'docs/failpoints.md');
const text = readFileSync(file, 'utf8');
const begin = '<!-- failpoint-table:begin -->';
const end = '<!-- failpoint-table:end -->';
const from = text.indexOf(begin);
const to = text.indexOf(end);
if (from < 0 || to < from) throw new Error(`${file} lacks the markers ${begin} and ${end}`);
writeFileSync(file, `${text.slice(0, from + begin.length)}\n${failpointMarkdown()}\n${text.slice(to)}`);
console.log(`docs/failpoints.md: table rewritten`);
