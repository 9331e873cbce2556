import { MemorySemanticLog } from './memory-semantic-log.js';
import { semanticLogContract } from './semantic-log.contract.js';

semanticLogContract('memory', async (max) => new MemorySemanticLog(max));
