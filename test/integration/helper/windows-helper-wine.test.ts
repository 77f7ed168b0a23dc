import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELPER_CODES } from '../../../recovery/helper/error-codes.js';
import { withHelper } from '../../../recovery/helper/helper-client.js';
import { locateHelper } from '../../../recovery/helper/locate-helper.js';
import { describeWith } from '../../helpers/requirements.js';
import { WINDOWS_HELPER, WineHelper, WinePrefix, wineProgram, type WineAnswer } from './windows-wine-session.js';

const LINUX_HELPER = path.resolve(import.meta.dirname, '../../../native/build/lifeboat-helper');
// A fresh prefix runs wineboot first: 5 s on a quiet machine, a minute on a busy one.
const FIRST_START_MS = 180_000;
const DISK_KEYS = [
  'name',
  'path',
  'major',
  'minor',
  'sizeBytes',
  'logicalSectorSize',
  'physicalSectorSize',
  'model',
  'vendor',
  'serial',
  'wwn',
  'transport',
  'removable',
  'rotational',
  'readOnly',
  'discardGranularityBytes',
  'discardMaxBytes',
  'loopBackingFile',
  'partitionTableType',
  'partitions',
  'mountpoints',
  'holders',
  'isSystem',
  'isBootMedium',
];

function failure(answer: WineAnswer): NonNullable<WineAnswer['error']> {
  expect(answer.ok, JSON.stringify(answer)).toBe(false);
  return answer.error!;
}

/**
 * The Windows helper (cross-built with mingw) under Wine: the protocol machinery shared with Linux
 * (framing, binary stdio, error table, refusals) and the Windows naming and error mapping. Wine
 * has no real disks, so what needs hardware is covered by the shape of the answers only.
 */
describeWith(['tool:wine', 'tool:wineserver'], 'the Windows helper answers the protocol under Wine', () => {
  let prefix: WinePrefix;
  let helper: WineHelper;

  beforeAll(async () => {
    expect(existsSync(WINDOWS_HELPER), `${WINDOWS_HELPER} is missing: run \`npm run build:native\``).toBe(true);
    prefix = await WinePrefix.create(wineProgram()!);
    const first = prefix.runOnce(['--version'], FIRST_START_MS);
    expect(first.stdout, first.stderr).toMatch(/^lifeboat-helper \S+ \(protocol 1, windows\)/);
    helper = new WineHelper(prefix);
  }, FIRST_START_MS + 30_000);

  afterAll(async () => {
    const code = await helper?.close();
    await prefix?.remove();
    expect(code, `the helper's exit code; stderr: ${helper?.stderr ?? ''}`).toBe(0);
  }, 60_000);

  it('says it is the Windows helper of protocol 1', async () => {
    const answer = await helper.request('version');
    expect(answer).toEqual({ id: 1, ok: true, result: { helper: expect.any(String), protocol: 1, platform: 'windows' } });
  });

  it('ends every answer with LF alone: stdout is in binary mode', async () => {
    await helper.request('version', {}, 2);
    expect(helper.stdout.length).toBeGreaterThan(0);
    expect(helper.stdout.includes(0x0d), `stdout holds a CR, so it is in text mode: ${JSON.stringify(helper.stdout.toString())}`).toBe(false);
  });

  it('publishes the same error table as the Linux helper and the client', async () => {
    const answer = await helper.request('codes');
    const linux = await withHelper({ helperPath: LINUX_HELPER }, (h) => h.codes());
    expect(answer.result?.['codes']).toEqual(linux);
    expect(linux.map((c) => [c.code, c.name])).toEqual(HELPER_CODES.map((c) => [c.code, c.name]));
  });

  it('lists disks with Windows names, or none', async () => {
    const answer = await helper.request('list');
    expect(answer.ok, JSON.stringify(answer)).toBe(true);
    const disks = answer.result?.['disks'] as Array<Record<string, unknown>>;
    expect(Array.isArray(disks)).toBe(true);
    for (const disk of disks) {
      expect(Object.keys(disk)).toEqual(DISK_KEYS);
      expect(disk['name']).toMatch(/^PhysicalDrive\d+$/);
      expect(disk['path']).toBe(`\\\\.\\${String(disk['name'])}`);
      for (const part of disk['partitions'] as Array<Record<string, unknown>>)
        expect(part['path']).toMatch(/^\\\\\?\\GLOBALROOT\\Device\\Harddisk\d+\\Partition\d+$/);
    }
    // Each listed disk answers info with the same description.
    for (const disk of disks) {
      const info = await helper.request('info', { device: disk['name'] });
      expect(info.result?.['disk']).toEqual(disk);
    }
  });

  it('a missing disk is NOT_FOUND, named in full in the sentence, for every operation', async () => {
    for (const device of ['\\\\.\\PhysicalDrive99', 'PhysicalDrive99']) {
      for (const [op, fields] of [
        ['info', {}],
        ['flush', {}],
        ['reread-partitions', {}],
        ['discard', { offset: 0, length: 4096 }],
        ['lock-volumes', {}],
      ] as const) {
        const error = failure(await helper.request(op, { device, ...fields }));
        expect(error, `${op} ${device}`).toMatchObject({ code: 4, name: 'NOT_FOUND', device: '\\\\.\\PhysicalDrive99' });
        expect(error.message).toContain('\\\\.\\PhysicalDrive99');
        expect(error.errno, 'a GetLastError() value').toBeGreaterThan(0);
      }
    }
  });

  it('a Linux name is NOT_FOUND with a sentence that says how Windows names disks', async () => {
    const error = failure(await helper.request('info', { device: '/dev/sda' }));
    expect(error).toMatchObject({ name: 'NOT_FOUND', device: '/dev/sda' });
    expect(error.message).toContain('PhysicalDriveN');
  });

  it('looks a drive letter up through its volume', async () => {
    // Q: is not assigned in a fresh prefix: no volume, so no device.
    expect(failure(await helper.request('info', { device: 'Q:' }))).toMatchObject({ name: 'NOT_FOUND', device: 'Q:' });
    // Wine's C: is a directory on no disk; on Windows it is a partition of the system disk.
    const c = await helper.request('info', { device: 'C:' });
    if (c.ok) expect((c.result?.['partition'] as { path: string } | undefined)?.path).toMatch(/^\\\\\?\\GLOBALROOT\\Device\\Harddisk\d+\\Partition\d+$/);
    else expect(c.error).toMatchObject({ name: expect.stringMatching(/^(UNSUPPORTED|NOT_FOUND)$/), device: 'C:', message: expect.stringContaining('C:') });
  });

  it('lock-volumes needs a whole disk, and unlock-volumes of a disk it holds nothing on releases nothing', async () => {
    const partition = failure(await helper.request('lock-volumes', { device: '\\\\?\\GLOBALROOT\\Device\\Harddisk99\\Partition1' }));
    expect(partition).toMatchObject({ name: 'NOT_A_DISK', device: '\\\\?\\GLOBALROOT\\Device\\Harddisk99\\Partition1' });
    expect(failure(await helper.request('lock-volumes', {}))).toMatchObject({ name: 'BAD_REQUEST' });
    expect(await helper.request('unlock-volumes', { device: 'PhysicalDrive99' }, 9)).toEqual({ id: 9, ok: true, result: { volumes: [] } });
  });

  it('answers a malformed line with BAD_REQUEST and keeps going', async () => {
    expect(failure(await helper.send('{"id": 1, "op": '))).toMatchObject({ name: 'BAD_REQUEST' });
    expect(failure(await helper.send('{"id": 2, "op": "format-c"}'))).toMatchObject({ name: 'UNKNOWN_OP' });
    expect((await helper.request('version', {}, 4)).ok).toBe(true);
  });

  it('skips a 1 MB line exactly and never writes a CR', async () => {
    const answer = await helper.send(`{"id": 5, "op": "info", "device": "${'x'.repeat(1024 * 1024)}"}`);
    expect(answer).toMatchObject({ id: null, ok: false, error: { name: 'REQUEST_TOO_LONG' } });
    // The next line is read from its first byte: the long one was skipped up to its newline.
    expect(await helper.request('version', {}, 6)).toMatchObject({ id: 6, ok: true });
    expect(helper.stdout.includes(0x0d), 'stdout holds a CR: it is in text mode').toBe(false);
    expect(helper.stdout.at(-1)).toBe(0x0a);
  });

  it('reads a Ctrl-Z as a byte like any other: stdin is in binary mode', async () => {
    // A text-mode stdin ends at a raw Ctrl-Z; in binary mode it is an invalid byte in a string.
    expect(failure(await helper.send(Buffer.from('{"id": 3, "op": "info", "device": "a\u001ab"}')))).toMatchObject({ name: 'BAD_REQUEST' });
    expect((await helper.request('version', {}, 7)).ok).toBe(true);
  });

  it('refuses --sysroot, which names a Linux tree, with UNSUPPORTED', async () => {
    const sysroot = new WineHelper(prefix, ['--sysroot', 'C:\\captured']);
    try {
      expect(failure(await sysroot.request('info', { device: 'PhysicalDrive0' }))).toMatchObject({
        name: 'UNSUPPORTED',
        device: '\\\\.\\PhysicalDrive0',
      });
      expect(failure(await sysroot.request('list'))).toMatchObject({ name: 'UNSUPPORTED' });
      expect(failure(await sysroot.request('lock-volumes', { device: 'PhysicalDrive0' }))).toMatchObject({ name: 'UNSUPPORTED' });
      expect((await sysroot.request('codes')).ok).toBe(true);
    } finally {
      expect(await sysroot.close()).toBe(0);
    }
  });
});

describe('finding the Windows helper', () => {
  it('locateHelper picks native/build/windows/lifeboat-helper.exe on win32', () => {
    expect(locateHelper({}, 'win32')).toBe(WINDOWS_HELPER);
  });
});
