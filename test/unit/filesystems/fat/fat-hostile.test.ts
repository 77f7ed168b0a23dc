import { fatProber, fatUsedBlocks } from '../../../../recovery/filesystems/fat/index.js';
import { describeHostileCases } from './fat-family-tests.js';

describeHostileCases('fat', fatProber, fatUsedBlocks);
