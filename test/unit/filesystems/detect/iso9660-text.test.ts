import { describe, expect, it } from 'vitest';
import { dateUuid, isoLabel, mergeJolietWithPvd } from '../../../../recovery/filesystems/iso9660/iso9660-text.js';

function pvd(text: string): Uint8Array {
  return new TextEncoder().encode(text.padEnd(32, ' '));
}

function joliet(text: string): Uint8Array {
  const bytes = new Uint8Array(32);
  const units = Array.from(text.padEnd(16, ' '));
  // Characters beyond U+FFFF take two units; the field holds 16 units in all.
  const codeUnits = units.flatMap((char) => (char.length === 2 ? [char.charCodeAt(0), char.charCodeAt(1)] : [char.charCodeAt(0)])).slice(0, 16);
  for (const [i, unit] of codeUnits.entries()) new DataView(bytes.buffer).setUint16(i * 2, unit, false);
  return bytes;
}

describe('ISO9660 label and UUID, as blkid derives them', () => {
  it.each([
    ['only a PVD', 'RESCUE_2024', null, 'RESCUE_2024'],
    ['a Joliet name equal to the PVD name but mixed case', 'LIFEBOAT RESCUE', 'Lifeboat Rescue', 'Lifeboat Rescue'],
    ['a Joliet name cut at 16 characters', 'LIFEBOAT_RESCUE_DISC_2024', 'Lifeboat Rescue ', 'Lifeboat Rescue DISC_2024'],
    ['a PVD "_" standing for a character ASCII cannot hold', 'CAF_', 'Café', 'Café'],
    ['names that disagree: Joliet wins', 'CDROM', 'Vacances', 'Vacances'],
    ['a character beyond U+FFFF in Joliet', 'A_B', 'A😀B', 'A😀B'],
  ])('%s', (_name, pvdName, jolietName, expected) => {
    expect(isoLabel(pvd(pvdName), jolietName === null ? null : joliet(jolietName))).toBe(expected);
  });

  it('a merge needs every Joliet character to agree with the PVD', () => {
    expect(mergeJolietWithPvd(joliet('ABC'), pvd('ABD'))).toBeNull();
    expect(mergeJolietWithPvd(joliet('abc'), pvd('ABC'))).not.toBeNull();
  });

  it.each([
    ['2024060708091011', 0, '2024-06-07-08-09-10-11'],
    ['0000000000000000', 0, 'unset'],
    ['0000000000000000', 8, '0000-00-00-00-00-00-00'],
    ['\0'.repeat(16), 0, null],
    [`2024\0${'0'.repeat(11)}`, 0, '2024'],
  ])('the date %j with zone %i gives %j', (digits, zone, expected) => {
    const bytes = new Uint8Array(17);
    bytes.set(new TextEncoder().encode(digits), 0);
    bytes[16] = zone;
    expect(dateUuid(bytes)).toBe(expected);
  });
});
