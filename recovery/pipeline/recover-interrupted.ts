/**
 * What a writer does first, under the repository lock, so that whatever a killed capture, prune
 * or repair left behind is reused or removed: unsealed packs in tmp/ are salvaged (their good
 * prefix sealed in place), every other tmp/ file is removed, and sealed packs the index does not
 * list are adopted into the in-memory index (docs/image-format.md, "Recovery").
 */
import { failpoint } from '../core/failpoints/failpoint.js';
import type { ChunkIndex } from '../repository/chunk-index.js';
import type { Repository } from '../repository/repository.js';
import { clearTmp, listTmpLeftovers, salvageTmpPack, type SalvagedPack } from '../repository/tmp-packs.js';
import { blobProof } from './blob-proof.js';
import { WorkerPool } from './worker-pool.js';

export interface RecoveryReport {
  salvaged: SalvagedPack[];
  /** tmp/ files removed (temp copies of the index or a manifest, unusable pack leftovers). */
  removedFiles: number;
  adoptedPacks: number;
  adoptedChunks: number;
  /** A sentence per sealed pack that could not be adopted (damaged trailer). */
  skipped: string[];
}

export async function salvageAndClearTmp(repository: Repository, threads?: number): Promise<{ salvaged: SalvagedPack[]; removedFiles: number }> {
  const leftovers = await listTmpLeftovers(repository.dir);
  const salvaged: SalvagedPack[] = [];
  const packs = leftovers.filter((leftover) => leftover.packId !== null);
  if (packs.length > 0) {
    const pool = new WorkerPool(threads ? { threads } : {});
    try {
      const proof = blobProof(pool);
      for (const leftover of packs) {
        const pack = await salvageTmpPack(repository.dir, leftover, proof);
        if (!pack) continue;
        salvaged.push(pack);
        failpoint('capture.after-salvage');
      }
    } finally {
      await pool.close();
    }
  }
  return { salvaged, removedFiles: await clearTmp(repository.dir) };
}

export async function recoverInterruptedWrites(repository: Repository, index: ChunkIndex, threads?: number): Promise<RecoveryReport> {
  const { salvaged, removedFiles } = await salvageAndClearTmp(repository, threads);
  const adopted = await repository.adoptUnindexedPacks(index);
  return { salvaged, removedFiles, adoptedPacks: adopted.packs, adoptedChunks: adopted.chunks, skipped: adopted.skipped };
}

/** The sentences a capture prints about what it reused, or nothing when there was nothing. */
export function recoveryWarnings(report: RecoveryReport): string[] {
  const sentences: string[] = [];
  if (report.adoptedPacks > 0) {
    const salvaged = report.salvaged.length > 0 ? `, ${report.salvaged.length} of them unfinished and sealed now from tmp/` : '';
    sentences.push(
      `Reused ${report.adoptedChunks} chunks an interrupted run had stored, from ${report.adoptedPacks} pack(s) the index did not list yet${salvaged}.`,
    );
  }
  for (const skipped of report.skipped) sentences.push(`Ignored a damaged pack: ${skipped} Run \`lifeboat repair\` to keep its readable chunks.`);
  return sentences;
}
