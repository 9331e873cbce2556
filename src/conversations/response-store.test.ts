import { MemoryResponseStore } from './memory-response-store.js';
import { responseStoreContract } from './response-store.contract.js';
import { SqliteResponseStore } from './sqlite-response-store.js';

responseStoreContract('memory', (ttl, now) => new MemoryResponseStore(ttl, 100, now));
responseStoreContract('sqlite', (ttl, now) => SqliteResponseStore.open(':memory:', ttl, now));
