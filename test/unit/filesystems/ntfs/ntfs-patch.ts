/**
 * Editing a real NTFS image to make hostile variants: MFT records are edited with their fixups
 * undone and redone, so an edit breaks exactly what the test means to break.
 */
const STRIDE = 512;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function clusterBytes(image: Uint8Array): number {
  const v = view(image);
  const raw = v.getUint8(0x0d);
  return v.getUint16(0x0b, true) * (raw > 0x80 ? 2 ** (256 - raw) : raw);
}

/** Where record `n` is, assuming it lies in $MFT's first run (true for the low records of the fixtures). */
export function recordOffset(image: Uint8Array, n: number, recordBytes = 1024): number {
  return Number(view(image).getBigUint64(0x30, true)) * clusterBytes(image) + n * recordBytes;
}

/** Lets `edit` change record `n` as NTFS sees it (fixups undone), then protects it again. */
export function editRecord(image: Uint8Array, n: number, edit: (record: Uint8Array, v: DataView) => void, recordBytes = 1024): void {
  const at = recordOffset(image, n, recordBytes);
  const record = image.slice(at, at + recordBytes);
  const v = view(record);
  const usa = v.getUint16(4, true);
  const usn = v.getUint16(usa, true);
  for (let i = 0; i < recordBytes / STRIDE; i++) v.setUint16((i + 1) * STRIDE - 2, v.getUint16(usa + 2 + 2 * i, true), true);
  edit(record, v);
  for (let i = 0; i < recordBytes / STRIDE; i++) {
    v.setUint16(usa + 2 + 2 * i, v.getUint16((i + 1) * STRIDE - 2, true), true);
    v.setUint16((i + 1) * STRIDE - 2, usn, true);
  }
  image.set(record, at);
}

/** Offset inside a (fixed-up) record of its first attribute of `type`. */
export function attributeAt(record: Uint8Array, type: number): number {
  const v = view(record);
  let at = v.getUint16(0x14, true);
  for (let i = 0; i < 64 && at + 8 <= record.length; i++) {
    const found = v.getUint32(at, true);
    if (found === type) return at;
    if (found === 0xffffffff) break;
    at += v.getUint32(at + 4, true);
  }
  throw new Error(`no attribute 0x${type.toString(16)} in the record`);
}

/** Replaces the run list of the record's first non-resident attribute of `type`, keeping its VCN range. */
export function setRuns(record: Uint8Array, type: number, runs: number[]): void {
  const v = view(record);
  const at = attributeAt(record, type);
  const runsAt = at + v.getUint16(at + 0x20, true);
  const end = at + v.getUint32(at + 4, true);
  if (runsAt + runs.length > end) throw new Error('the new runs do not fit in the attribute');
  record.fill(0, runsAt, end);
  record.set(runs, runsAt);
}
