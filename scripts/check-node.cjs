// Runs before `npm start` and `npm test` on any Node: Atrium runs TypeScript directly, which needs Node 22.17+.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  console.error(`Atrium needs Node 22.17 or newer (24 recommended); this is ${process.version}.`);
  console.error('Install one (e.g. `npm i --prefix .tools node@24` and put .tools/node_modules/.bin first on PATH).');
  process.exit(1);
}
