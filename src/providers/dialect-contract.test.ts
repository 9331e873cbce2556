/** Runs the dialect contract suite on every registered provider module. */
import { dialectContract } from './dialect.contract.js';
import { DIALECTS, providerModule } from './modules.js';

for (const dialect of DIALECTS) dialectContract(providerModule(dialect));
