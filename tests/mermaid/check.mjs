// Parses each file named on the command line with Mermaid's own parser and
// prints `ok FILE: TYPE` or `error FILE: MESSAGE`; exits 1 if any failed.
// Mermaid expects a browser, so a jsdom window stands in for one.
import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const result = await mermaid.parse(readFileSync(file, 'utf8'));
    console.log(`ok ${file}: ${result.diagramType}`);
  } catch (e) {
    failed++;
    console.log(`error ${file}: ${e.message}`);
  }
}
process.exit(failed ? 1 : 0);
