/**
 * `npm run bench`: runs every suite in bench/suites, prints each figure beside
 * the baseline measured in the same run, and writes bench/results.json as
 * {"figures":[{"name","unit","value","baseline"}]}.
 *
 * A suite is a module exporting `run(): Promise<Figure[]>`. Pass suite names
 * to run only those: `npm run bench -- matcher sandbox`.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Figure } from './figure';

const here = dirname(fileURLToPath(import.meta.url));
const suitesDir = join(here, 'suites');
const only = process.argv.slice(2);

const suites = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.replace(/\.ts$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

const figures: Figure[] = [];
const failed: string[] = [];
for (const name of suites) {
  process.stdout.write(`\n== ${name}\n`);
  try {
    const mod = (await import(pathToFileURL(join(suitesDir, `${name}.ts`)).href)) as {
      run: () => Promise<Figure[]>;
    };
    for (const fig of await mod.run()) {
      figures.push(fig);
      printFigure(fig);
    }
  } catch (err) {
    failed.push(name);
    console.error(`suite ${name} failed:`, err);
  }
}

writeFileSync(join(here, 'results.json'), JSON.stringify({ figures }, null, 2) + '\n');
console.log(`\nwrote bench/results.json (${figures.length} figures)`);
if (failed.length) {
  console.error(`failed suites: ${failed.join(', ')}`);
  process.exitCode = 1;
}

function printFigure(f: Figure): void {
  const ratio = f.baseline ? ` (${(f.value / f.baseline).toFixed(2)}x baseline)` : '';
  const target = f.target !== undefined ? `  target ${fmt(f.target)}` : '';
  console.log(
    `${f.name.padEnd(34)} ${fmt(f.value).padStart(12)} ${f.unit.padEnd(10)} baseline ${fmt(f.baseline).padStart(12)}${ratio}${target}`,
  );
  if (f.note) console.log(`${''.padEnd(35)}${f.note}`);
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (Math.abs(n) >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(n < 10 ? 3 : 1);
}
