import { dropSchema, requirePostgres, TEST_DATABASE_URL, uniqueSchema } from '../postgres/test-support.js';
import { bodyStoreContract } from './body-store.contract.js';
import { PgBodyStore } from './pg-body-store.js';

const skip = await requirePostgres('pg-body-store.test');

bodyStoreContract(
  'PgBodyStore',
  async () => {
    const schema = uniqueSchema('penny_test_bodies');
    const errors: unknown[] = [];
    const opened: PgBodyStore[] = [];
    const open = async () => {
      const s = await PgBodyStore.open({
        url: TEST_DATABASE_URL,
        schema,
        flushIntervalMs: 10_000,
        onError: (e) => errors.push(e),
      });
      opened.push(s);
      return s;
    };
    return {
      store: await open(),
      reopen: open,
      cleanup: async () => {
        for (const s of opened) await s.close();
        await dropSchema(schema);
        if (errors.length) throw new Error(`body store errors: ${errors.map(String).join('; ')}`);
      },
    };
  },
  { skip },
);
