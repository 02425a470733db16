// ONNX Runtime side of the inference benchmark: runs MODEL.onnx (exported
// by pytorch_infer.py --export-onnx) on INPUTS.safetensors with the CPU
// execution provider and writes its outputs as OUT.safetensors, so that
// amae-compare checks them like the other engines'.
//
//   node bench/ort_infer.mjs MODEL.onnx INPUTS.safetensors OUT.safetensors \
//        [--repeat=N] [--threads=T]
//
// onnxruntime-node comes from npm (ONNXRUNTIME_NODE_INSTALL=skip; the CPU
// library ships inside the package); NODE_PATH or a node_modules above
// this file must hold it (bench/bench-infer.sh installs it under bench/).
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const ort = require("onnxruntime-node");

const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const flag = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
if (args.length !== 3) {
  console.error("usage: ort_infer.mjs MODEL.onnx INPUTS.safetensors OUT.safetensors [--repeat=N] [--threads=T]");
  process.exit(2);
}
const [modelPath, inputsPath, outPath] = args;
const repeat = flag("repeat", 5), threads = flag("threads", 2);

function readSafetensors(path) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  const out = {};
  for (const [name, t] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    if (t.dtype !== "F32") throw new Error(`${path}: ${name} is ${t.dtype}, only F32 is read`);
    const [b, e] = t.data_offsets;
    const bytes = buf.subarray(8 + n + b, 8 + n + e);
    // Copy: the slice of a Node buffer need not be 4-byte aligned.
    const data = new Float32Array(new Uint8Array(bytes).buffer);
    out[name] = new ort.Tensor("float32", data, t.shape);
  }
  return out;
}

function writeSafetensors(path, tensors) {
  const header = {};
  const chunks = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: "F32", shape: t.dims, data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([len, Buffer.from(json), ...chunks]));
}

const session = await ort.InferenceSession.create(modelPath, {
  executionProviders: ["cpu"],
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
});
const feeds = readSafetensors(inputsPath);
let outputs = await session.run(feeds); // warm-up
const times = [];
for (let i = 0; i < repeat; ++i) {
  const t0 = process.hrtime.bigint();
  outputs = await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
times.sort((a, b) => a - b);
console.log(`onnxruntime infer: ${repeat} runs, median ${times[Math.floor(repeat / 2)].toFixed(3)} ms, ` +
            `min ${times[0].toFixed(3)} ms (${threads} threads, onnxruntime ${ort.env.versions.common})`);
writeSafetensors(outPath, outputs);
