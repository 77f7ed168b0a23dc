import { open, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { expect } from 'vitest';
import type { ByteSource } from '../../../../recovery/core/byte-source.js';
import { LifeboatError } from '../../../../recovery/core/errors.js';
import type { FilesystemInfo } from '../../../../recovery/filesystems/filesystem-types.js';

/**
 * `blkid -p -o export FILE` as a map, values unescaped (export writes "LVM2\ 001" for "LVM2 001").
 * Export mangles bytes above 0x7F ("M-CM-)"), so LABEL and UUID come from the udev format's
 * *_ENC values instead, whose \xNN escapes decode to the exact bytes.
 */
export async function blkidProbe(file: string): Promise<Record<string, string>> {
  const tags: Record<string, string> = {};
  const exported = await execa('blkid', ['-p', '-o', 'export', file], { reject: false });
  for (const [key, value] of lines(exported.stdout)) tags[key] = value.replace(/\\(.)/g, '$1');
  const udev = await execa('blkid', ['-p', '-o', 'udev', file], { reject: false });
  for (const [key, value] of lines(udev.stdout)) {
    if (key === 'ID_FS_LABEL_ENC') tags['LABEL'] = decodeEnc(value);
    if (key === 'ID_FS_UUID_ENC') tags['UUID'] = decodeEnc(value);
  }
  return tags;
}

function* lines(stdout: string): Generator<[string, string]> {
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) yield [line.slice(0, eq), line.slice(eq + 1)];
  }
}

function decodeEnc(value: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; ) {
    if (value.startsWith('\\x', i)) {
      bytes.push(parseInt(value.slice(i + 2, i + 4), 16));
      i += 4;
    } else {
      const char = value.codePointAt(i) ?? 0;
      bytes.push(...new TextEncoder().encode(String.fromCodePoint(char)));
      i += char > 0xffff ? 2 : 1;
    }
  }
  return new TextDecoder().decode(Uint8Array.from(bytes));
}

/** Our answer and blkid's agree on type, version, label and UUID (and BLOCK_SIZE where both have one). */
export function expectSameAsBlkid(info: FilesystemInfo | null, tags: Record<string, string>, options: { blockSizeIsBlkids?: boolean } = {}): void {
  expect(info).not.toBeNull();
  expect({
    type: info?.type,
    version: info?.version ?? undefined,
    label: info?.label ?? undefined,
    uuid: info?.uuid ?? undefined,
  }).toEqual({ type: tags['TYPE'], version: tags['VERSION'], label: tags['LABEL'], uuid: tags['UUID'] });
  if (options.blockSizeIsBlkids) expect(String(info?.blockSizeBytes)).toBe(tags['BLOCK_SIZE']);
}

/** A ByteSource over a file (images here are sparse and up to a few hundred MiB; only metadata is read). */
export async function fileSource(file: string): Promise<ByteSource & { close(): Promise<void> }> {
  const handle = await open(file, 'r');
  const { size } = await handle.stat();
  return {
    sizeBytes: size,
    async readAt(offsetBytes, lengthBytes) {
      if (offsetBytes < 0 || offsetBytes + lengthBytes > size)
        throw new LifeboatError('TRUNCATED', `Read at ${offsetBytes} (${lengthBytes} bytes) passes the end of ${file}.`);
      const buffer = new Uint8Array(lengthBytes);
      await handle.read(buffer, 0, lengthBytes, offsetBytes);
      return buffer;
    },
    close: () => handle.close(),
  };
}

/** The first `lengthBytes` of a file, for fuzzing its header area in memory. */
export async function fileHead(file: string, lengthBytes: number): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(lengthBytes);
    const { bytesRead } = await handle.read(buffer, 0, lengthBytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export async function writeImage(file: string, bytes: Uint8Array): Promise<string> {
  await writeFile(file, bytes);
  return file;
}
