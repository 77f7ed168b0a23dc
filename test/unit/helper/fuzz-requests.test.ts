import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HelperClient } from '../../../recovery/helper/helper-client.js';
import { seededRandom } from '../../helpers/fuzz.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const ASAN_HELPER = path.join(ROOT, 'native/build/lifeboat-helper-asan');
// A captured tree: every operation that would touch a device answers UNSUPPORTED there, so
// no mutated request can ever reach a real disk.
const SYSROOT = path.join(ROOT, 'test/fixtures/sysroot/lvm-server');

const TEMPLATES = [
  '{"id": 1, "op": "list"}',
  '{"id": 2, "op": "info", "device": "/dev/sda"}',
  '{"id": 3, "op": "info", "device": "sda2"}',
  '{"id": 4, "op": "discard", "device": "/dev/sdb", "offset": 4096, "length": 1048576}',
  '{"id": 5, "op": "reread-partitions", "device": "/dev/sda", "partitions": [{"number": 1, "startBytes": 1048576, "sizeBytes": 1048576}]}',
  '{"id": "x\\u00e9\\ud83d\\ude00", "op": "flush", "device": "/dev/nvme0n1", "extra": [null, true, false, {"a": [1, 2, {}]}]}',
  '{"id": 7, "op": "codes"}',
  '{"id": 8, "op": "lock-volumes", "device": "/dev/sdb"}',
];

function mutate(text: string, next: () => number): string {
  const chars = [...text];
  const edits = 1 + Math.floor(next() * 6);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * (chars.length + 1));
    const choice = next();
    const junk = String.fromCharCode(Math.floor(next() * 0x3000) + 1);
    if (choice < 0.3) chars.splice(at, 1);
    else if (choice < 0.6) chars.splice(at, 0, junk);
    else if (choice < 0.8) chars[at] = '"{}[],:\\0123456789-e.'.charAt(Math.floor(next() * 22));
    else chars.splice(at, Math.floor(next() * 20));
  }
  // A newline would make one request two, and the conversation would lose its order; a blank
  // line is ignored by protocol and would get no answer at all.
  const line = chars.join('').replace(/[\r\n]/g, ' ');
  return /^[ \t]*$/.test(line) ? '{' : line;
}

describe('the helper survives mutated requests', () => {
  it.runIf(existsSync(ASAN_HELPER))('answers 3000 mutated requests under AddressSanitizer, each with JSON, and exits cleanly', async () => {
    const helper = new HelperClient({ helperPath: ASAN_HELPER, sysroot: SYSROOT });
    const next = seededRandom(20261121);
    let answered = 0;
    try {
      for (let i = 0; i < 3000; i++) {
        const line = mutate(TEMPLATES[i % TEMPLATES.length]!, next);
        await helper.sendRaw(line).then(
          () => answered++,
          (error: { code?: string }) => {
            expect(error.code, `request ${i}: ${line}`).toMatch(
              /^(HELPER_BAD_REQUEST|HELPER_UNKNOWN_OP|HELPER_REQUEST_TOO_LONG|DEVICE_NOT_FOUND|UNSUPPORTED|OUT_OF_RANGE|NOT_A_DISK)$/,
            );
            answered++;
          },
        );
      }
    } finally {
      expect(await helper.close(), 'the ASan build exit code').toBe(0);
    }
    expect(answered).toBe(3000);
  });

  it('has its sanitizer build (npm ci builds it)', () => {
    expect(existsSync(ASAN_HELPER)).toBe(true);
  });
});
