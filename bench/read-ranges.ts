/**
 * `node read-ranges.js DEVICE RANGES.json OUTPUT|--sha256`: reads the byte ranges (a JSON list of
 * [offset, length]) of DEVICE in order, in 4 MiB reads, and writes them to OUTPUT (a file,
 * /dev/stdout for a pipe, /dev/null for a plain read) or prints their SHA-256. The bench's
 * limits and its restore checks; synchronous I/O, because nothing else happens in this process.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

const READ_BYTES = 4 * 1024 ** 2;
const [device, rangesFile, output] = process.argv.slice(2);
if (!device || !rangesFile || !output) throw new Error('usage: read-ranges DEVICE RANGES.json OUTPUT|--sha256');
const ranges = JSON.parse(readFileSync(rangesFile, 'utf8')) as Array<[number, number]>;
const hash = output === '--sha256' ? createHash('sha256') : null;
const input = openSync(device, 'r');
const out = hash ? -1 : openSync(output, 'w');
const buffer = Buffer.allocUnsafe(READ_BYTES);
let total = 0;
for (const [offset, length] of ranges) {
  for (let done = 0; done < length; ) {
    const want = Math.min(READ_BYTES, length - done);
    const got = readSync(input, buffer, 0, want, offset + done);
    if (got !== want) throw new Error(`${device} ended at ${offset + done + got}`);
    if (hash) hash.update(buffer.subarray(0, got));
    else for (let written = 0; written < got; ) written += writeSync(out, buffer, written, got - written);
    done += got;
  }
  total += length;
}
closeSync(input);
if (hash) process.stdout.write(`${hash.digest('hex')} ${total}\n`);
else closeSync(out);
