/** Entry point used when running from source (`node --import tsx src/cli/run.ts …`); bin/penny.js runs the built copy. */
import { main } from './main.js';

await main(process.argv);
