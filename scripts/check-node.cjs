// Runs before `npm start` and `npm test`: Atrium runs TypeScript directly, which needs Node 22.17+.
// npm scripts normally run on the Node 24 that `npm install` brings (the `node` package); this catches
// a missing install or a script run outside npm.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  console.error(`Atrium needs Node 22.17 or newer (24 recommended); this is ${process.version}.`);
  console.error('Run `npm install` first: it installs Node 24 (the `node` package) for every npm script.');
  process.exit(1);
}
