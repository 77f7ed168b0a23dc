import { writeFile } from 'node:fs/promises';
import { it } from 'vitest';
import { useScratch } from '../../helpers/loop-device.js';
import { buildGptDisk, buildMbrGapDisk } from '../../helpers/source-disks.js';
import { sfdiskDump, sgdiskVerify, checkFilesystem } from '../../helpers/fs-checkers.js';
import { treeDigest, compareTrees } from '../../helpers/tree-hash.js';
const scratch = useScratch('all');
it('dumps', async () => {
  const d = await buildGptDisk(scratch(), 'g.img');
  const out: Record<string, unknown> = { disk: d, dump: await sfdiskDump(d.device), verify: await sgdiskVerify(d.device) };
  for (const p of d.partitions) if (p.fs !== 'none') { out[p.fs] = await treeDigest(p.device, p.fs); out[p.fs + '-check'] = await checkFilesystem(p.device, p.fs); }
  const m = await buildMbrGapDisk(scratch(), 'm.img');
  out['mbrgap'] = m; out['mbrgapDump'] = await sfdiskDump(m.file); out['cmp'] = compareTrees(out['ext4'] as never, await treeDigest(m.partitions[0]!.device, 'ext4'));
  await writeFile('/tmp/digests.json', JSON.stringify(out, null, 1));
}, 120000);
