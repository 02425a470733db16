//===- GraphBuilder.h - Build amae graphs from a model spec -----*- C++ -*-===//
//
// A GraphBuilder emits one `func.func` whose arguments are the graph's named
// inputs and the parameters it touches, in first-use order, and whose results
// are its named outputs. Names ride on argument and result attributes:
//   {amae.input = "imgs"}, {amae.param = "blocks.0.attn.qkv.weight"},
//   {amae.param = "pos_embed", amae.frozen}, {amae.output = "loss"}.
// The layer helpers use the official state_dict key names, so a converted
// official checkpoint binds unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_FRONTENDS_SPEC_GRAPHBUILDER_H
#define AMAE_FRONTENDS_SPEC_GRAPHBUILDER_H

#include "frontends/spec/ModelSpec.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <map>

namespace amae {

class GraphBuilder {
public:
  GraphBuilder(mlir::ModuleOp module, llvm::StringRef name, const ModelSpec &spec,
               int64_t batch);

  const ModelSpec &spec() const { return spec_; }
  int64_t batch() const { return batch_; }
  mlir::OpBuilder &builder() { return b; }
  mlir::Location loc() const { return currentLoc; }

  /// Sets the location of the ops built next to `name` (a parameter prefix
  /// such as "blocks.3.attn"), so diagnostics and profiles name the layer.
  void setScope(llvm::StringRef name);

  /// A named graph input of f32 (or, with `isIndex`, i64) elements.
  /// A scalar f32 input that callers may omit: the runtime then passes
  /// `value` (recorded as `amae.default` and in the manifest).
  mlir::Value inputWithDefault(llvm::StringRef name, double value);
  mlir::Value input(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                    bool isI64 = false);
  /// A named parameter; the same name yields the same argument.
  mlir::Value param(llvm::StringRef name, llvm::ArrayRef<int64_t> shape,
                    bool frozen = false);
  /// Seals the function with its named results.
  void finish(llvm::ArrayRef<std::pair<llvm::StringRef, mlir::Value>> outputs);

  //===--------------------------------------------------------------------===//
  // Layers, named like the official modules.
  //===--------------------------------------------------------------------===//

  /// `prefix.weight` (out, in) and `prefix.bias` (out).
  mlir::Value linear(mlir::Value x, llvm::StringRef prefix, int64_t out);
  /// `prefix.weight` and `prefix.bias`, eps 1e-6.
  mlir::Value layerNorm(mlir::Value x, llvm::StringRef prefix);
  /// fc1 -> GELU -> fc2 under `prefix` (".mlp").
  mlir::Value mlp(mlir::Value x, llvm::StringRef prefix, int64_t hidden);
  /// Dropout / drop-path that vanish when `rate` is 0.
  mlir::Value dropout(mlir::Value x, double rate, int64_t stream);
  mlir::Value dropPath(mlir::Value x, double rate, int64_t stream);
  mlir::Value add(mlir::Value a, mlir::Value b);
  /// `x[:, begin:begin+count, :]` of a (N, S, D) tensor.
  mlir::Value tokens(mlir::Value x, int64_t begin, int64_t count);

  /// A timm pre-norm ViT block `prefix` (blocks.i / decoder_blocks.j):
  /// x + attn(norm1(x)), then + mlp(norm2(x)), each branch with drop-path.
  mlir::Value vitBlock(mlir::Value x, llvm::StringRef prefix, int64_t heads,
                       int64_t hidden, double dropPathRate, int64_t stream);
  /// AudioMAE's post-norm shifted-window decoder block `decoder_blocks.j`.
  mlir::Value swinBlock(mlir::Value x, int64_t index);

  /// The seed input that drives dropout and drop-path; created on first use.
  mlir::Value seed();
  /// The run index of the batch's first sample (i64, default 0), which keys
  /// drop-path per sample; created on first use.
  mlir::Value firstSample();

private:
  mlir::Value addArgument(mlir::Type type, mlir::DictionaryAttr attrs);

  const ModelSpec &spec_;
  int64_t batch_;
  mlir::OpBuilder b;
  mlir::func::FuncOp func;
  mlir::Location currentLoc;
  llvm::SmallVector<mlir::DictionaryAttr> argAttrs;
  std::map<std::string, mlir::Value> params;
  mlir::Value seedValue, firstSampleValue;
};

} // namespace amae

#endif // AMAE_FRONTENDS_SPEC_GRAPHBUILDER_H
