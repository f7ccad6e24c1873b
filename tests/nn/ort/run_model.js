// Runs an ONNX model with ONNX Runtime (the onnxruntime-node package) on the CPU, as the oracle
// for Caldera's CPU runtime (tests/nn/onnx_ort_test.cpp):
//   node run_model.js <onnxruntime-node dir> <model.onnx> <input.f32> <N,C,H,W> <output.f32>
// The input is raw little-endian float32 NCHW; the first output is written the same way, and its
// dimensions, comma-separated, to <output.f32>.dims. Errors go to stderr with exit status 1.
'use strict';
const fs = require('fs');

async function main() {
  const args = process.argv.slice(2);
  if (args.length !== 5) throw new Error('usage: run_model.js <ort dir> <model.onnx> <input.f32> <N,C,H,W> <output.f32>');
  const [ortDir, modelPath, inputPath, dimsText, outputPath] = args;
  const ort = require(ortDir);
  const dims = dimsText.split(',').map(Number);
  const bytes = fs.readFileSync(inputPath);
  // Copy into an aligned buffer: the file's Buffer may start at any offset of a shared pool.
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new Error(`${inputPath}: ${data.length} floats, dims ${dimsText} need ${count}`);
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'disabled',  // the model as written, no fused rewrites
    intraOpNumThreads: 2,
  });
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims) };
  const results = await session.run(feeds);
  const y = results[session.outputNames[0]];
  if (y.type !== 'float32') throw new Error(`output type ${y.type}`);
  fs.writeFileSync(outputPath, Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength));
  fs.writeFileSync(outputPath + '.dims', y.dims.join(','));
}

main().catch((e) => {
  console.error(e && e.message ? e.message : String(e));
  process.exit(1);
});
