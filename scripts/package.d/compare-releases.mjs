// Compares two outputs of scripts/package.mjs of one commit (the reproducibility check of npm test
// and of the release workflow): every executable, archive and .sha256 built in both must have the
// same sha256, and so must plugin.yaml when both built the same platforms.
//
//   node scripts/package.d/compare-releases.mjs dist/release dist/rebuild
//
// Exit 1 on any difference, naming the file and its first differing byte.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const [first, second] = process.argv.slice(2);
if (!first || !second) {
  console.error('usage: node scripts/package.d/compare-releases.mjs DIR_A DIR_B (two scripts/package.mjs outputs)');
  process.exit(2);
}

/** Every file under dir, as paths relative to it (sorted). */
function files(dir, prefix = '') {
  return readdirSync(join(dir, prefix))
    .sort()
    .flatMap((name) => {
      const rel = prefix ? `${prefix}/${name}` : name;
      return statSync(join(dir, rel)).isDirectory() ? files(dir, rel) : [rel];
    });
}

const platformsOf = (dir) => readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory()).sort().join(',');
const samePlatforms = platformsOf(first) === platformsOf(second);
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

let compared = 0;
let differing = 0;
for (const rel of files(second)) {
  if (!existsSync(join(first, rel))) continue;
  if (rel === 'plugin.yaml' && !samePlatforms) continue; // it lists every platform built
  const a = readFileSync(join(first, rel));
  const b = readFileSync(join(second, rel));
  compared++;
  const [ha, hb] = [sha256(a), sha256(b)];
  if (ha === hb) {
    console.log(`same       ${ha}  ${rel}`);
    continue;
  }
  differing++;
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  console.log(`DIFFERENT  ${rel}: ${ha} vs ${hb}; first differing byte ${at + 1} (sizes ${a.length}, ${b.length})`);
}
if (compared === 0) {
  console.error(`${first} and ${second} have no built file in common: build the same platform into both`);
  process.exit(1);
}
if (differing > 0) {
  console.error(`${differing} of ${compared} files differ between ${first} and ${second}: the build is not reproducible`);
  process.exit(1);
}
console.log(`${compared} files identical${samePlatforms ? '' : ' (plugin.yaml not compared: different platforms built)'}`);
