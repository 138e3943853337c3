import { PGlite } from '@electric-sql/pglite';
let t = Date.now();
const a = new PGlite('/tmp/exp/data'); await a.query('select 1'); console.log('reopen', Date.now()-t); await a.close();
t = Date.now();
const b = new PGlite(); await b.query('select 1'); console.log('memory', Date.now()-t);
t = Date.now(); const c = await b.clone(); await c.query('select 1'); console.log('clone', Date.now()-t);
