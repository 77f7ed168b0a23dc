/**
 * The write log of a recording device (test/helpers/native/recording-disk.c), parsed: the writes
 * in the order the device answered them, cut into epochs by the flush barriers. Epoch k holds the
 * writes between barrier k and barrier k + 1 (epoch 0: before the first barrier), so a power cut
 * at barrier k keeps epochs 0..k-1 whole and any subset of epoch k.
 */
import { readFile } from 'node:fs/promises';

const KIND_WRITE = 1;
const KIND_BARRIER = 2;
const HEADER_BYTES = 16;

export interface LoggedWrite {
  offsetBytes: number;
  data: Buffer;
}

export interface WriteLog {
  /** epochs[k]: the writes after barrier k (epoch 0: before barrier 1); barriers.length + 1 entries. */
  epochs: LoggedWrite[][];
  /** Byte position in the log file of each barrier record (1-based barrier k is barrierAt[k - 1]). */
  barrierAt: number[];
}

/** Parses a whole log; a record cut short at the end (the server still running) is an error. */
export async function readWriteLog(file: string): Promise<WriteLog> {
  const bytes = await readFile(file);
  const epochs: LoggedWrite[][] = [[]];
  const barrierAt: number[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + HEADER_BYTES > bytes.length) throw new Error(`${file}: a record header is cut short at byte ${at}`);
    const kind = bytes.readUInt32LE(at);
    const length = bytes.readUInt32LE(at + 4);
    const offsetBytes = Number(bytes.readBigUInt64LE(at + 8));
    if (kind === KIND_WRITE) {
      if (at + HEADER_BYTES + length > bytes.length) throw new Error(`${file}: the write at byte ${at} is cut short`);
      (epochs.at(-1) as LoggedWrite[]).push({ offsetBytes, data: bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length) });
    } else if (kind === KIND_BARRIER) {
      barrierAt.push(at);
      epochs.push([]);
    } else {
      throw new Error(`${file}: unknown record kind ${kind} at byte ${at}`);
    }
    at += HEADER_BYTES + length;
  }
  return { epochs, barrierAt };
}

/**
 * The barriers a power cut can follow while a command ran (log positions [fromByte, toByte)): the
 * last one before it started (a cut there keeps any part of the command's first writes) and every
 * one it recorded. Barrier 0 stands for "before the first barrier": epoch 0 alone, partly.
 */
export function barriersDuring(log: WriteLog, fromByte: number, toByte: number): number[] {
  const found: number[] = [];
  let before = 0;
  log.barrierAt.forEach((at, i) => {
    if (at < fromByte) before = i + 1;
    else if (at < toByte) found.push(i + 1);
  });
  return [before, ...found];
}

/** Log position of barrier k (1-based); barrier 0 comes before everything. */
export function barrierByte(log: WriteLog, barrier: number): number {
  return barrier === 0 ? -1 : (log.barrierAt[barrier - 1] as number);
}
