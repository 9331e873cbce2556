#!/usr/bin/env node
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli')) {
    console.error('penny: not built yet — run `npm run build` first');
  } else {
    console.error(e);
  }
  process.exit(1);
});
