// Guards `npm test` and friends against the machine's old Node: the project brings its own
// (the `node` devDependency), which npm scripts put first on PATH.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  console.error(
    `Lifeboat needs Node 22 or newer, but this is Node ${process.versions.node}. ` +
      'Run it through npm (npm test, npm start, npx lifeboat): `npm ci` installs the right Node into node_modules.',
  );
  process.exit(1);
}
