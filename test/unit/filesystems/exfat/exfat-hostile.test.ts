import { exfatProber, exfatUsedBlocks } from '../../../../recovery/filesystems/exfat/index.js';
import { describeHostileCases } from '../fat/fat-family-tests.js';

describeHostileCases('exfat', exfatProber, exfatUsedBlocks);
