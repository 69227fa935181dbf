// tests/wakeword/ort.js MODEL.onnx IN.npy OUT.npy [--per-row]
// The reference: onnxruntime (CPU) runs MODEL on the float32 array IN
// (given to the graph's one input) and writes its first output to OUT.
// --per-row runs each row of IN (its first dimension) as a batch of one
// and stacks the outputs: for models whose batch is fixed at 1.
// NODE_PATH names the folder holding onnxruntime-node (tests/wakeword/fetch.sh).
'use strict';
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const b = fs.readFileSync(path);
  if (b.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new Error(`${path}: expected a little-endian float32 array in C order`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').filter(s => s.trim()).map(Number);
  const data = b.subarray(start + hlen);
  const f = new Float32Array(data.length / 4);
  for (let i = 0; i < f.length; i++) f[i] = data.readFloatLE(4 * i);
  return {shape, data: f};
}

function writeNpy(path, shape, data) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad === 64 ? 0 : pad) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1; h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  const d = Buffer.alloc(4 * data.length);
  for (let i = 0; i < data.length; i++) d.writeFloatLE(data[i], 4 * i);
  fs.writeFileSync(path, Buffer.concat([h, Buffer.from(header, 'latin1'), d]));
}

async function main() {
  const [model, input, output, mode] = process.argv.slice(2);
  if (!output) {
    console.error('usage: node ort.js MODEL.onnx IN.npy OUT.npy [--per-row]');
    process.exit(2);
  }
  const s = await ort.InferenceSession.create(model, {logSeverityLevel: 3});
  const x = readNpy(input);
  const rows = mode === '--per-row' ? x.shape[0] : 1;
  const rowShape = mode === '--per-row' ? [1, ...x.shape.slice(1)] : x.shape;
  const rowLen = x.data.length / rows;
  let outShape = null;
  const out = [];
  for (let r = 0; r < rows; r++) {
    const t = new ort.Tensor('float32', x.data.slice(r * rowLen, (r + 1) * rowLen), rowShape);
    const y = (await s.run({[s.inputNames[0]]: t}))[s.outputNames[0]];
    outShape = y.dims.slice();
    out.push(Float32Array.from(y.data));
  }
  if (rows > 1 || mode === '--per-row') outShape[0] *= rows;
  const all = new Float32Array(out.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of out) { all.set(a, at); at += a.length; }
  writeNpy(output, outShape, all);
}

main().catch(e => { console.error(`ort.js: ${e.message}`); process.exit(1); });
