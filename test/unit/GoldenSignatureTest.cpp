//===- GoldenSignatureTest.cpp - Graph parameters vs official state_dicts -===//
//
// The parameters of the emitted graphs must be the official state_dict keys
// with the official shapes, so that a converted official checkpoint binds
// unchanged: checked against the golden tiny checkpoints.
//
//===----------------------------------------------------------------------===//

#include "frontends/checkpoint/Checkpoint.h"
#include "frontends/spec/EmitGraphs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>
#include <map>

using namespace amae;

namespace {
using Shapes = std::map<std::string, std::vector<int64_t>>;

Shapes graphParams(mlir::ModuleOp module, llvm::StringRef graph) {
  auto func = module.lookupSymbol<mlir::func::FuncOp>(graph);
  Shapes shapes;
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    if (auto name = func.getArgAttrOfType<mlir::StringAttr>(i, "amae.param")) {
      auto type = llvm::cast<mlir::RankedTensorType>(func.getArgument(i).getType());
      shapes[name.str()] = std::vector<int64_t>(type.getShape().begin(),
                                                type.getShape().end());
    }
  return shapes;
}

Shapes checkpointShapes(llvm::StringRef file) {
  Shapes shapes;
  auto c = Checkpoint::open(file);
  if (!c) {
    ADD_FAILURE() << llvm::toString(c.takeError());
    return shapes;
  }
  for (const std::string &name : c->names())
    shapes[name] = c->find(name)->shape;
  return shapes;
}
} // namespace

TEST(GoldenSignature, GraphsTakeTheOfficialStateDicts) {
  std::string golden = AMAE_GOLDEN_DIR;
  if (!llvm::sys::fs::exists(golden))
    GTEST_SKIP() << "no golden vectors at " << golden;
  auto spec = parseModelSpecFile(std::string(AMAE_EXAMPLES_DIR) + "/tiny.yaml");
  ASSERT_TRUE(spec.has_value());
  mlir::MLIRContext context;
  auto module = emitGraphs(context, *spec, /*batch=*/2);

  EXPECT_EQ(graphParams(*module, "pretrain"),
            checkpointShapes(golden + "/pretrain_weights.safetensors"));
  Shapes finetune = checkpointShapes(golden + "/finetune_weights.safetensors");
  EXPECT_EQ(graphParams(*module, "finetune"), finetune);
  EXPECT_EQ(graphParams(*module, "infer"), finetune);
}

TEST(Manifest, JsonRoundTrip) {
  auto spec = parseModelSpecFile(std::string(AMAE_EXAMPLES_DIR) + "/tiny.yaml");
  ASSERT_TRUE(spec.has_value());
  mlir::MLIRContext context;
  auto module = emitGraphs(context, *spec, /*batch=*/3);
  Manifest manifest = manifestOf(*module);
  ASSERT_EQ(manifest.graphs.size(), 5u); // frontend, infer, infer_audio, pretrain, finetune
  EXPECT_EQ(manifest.batch, 3);
  std::string text;
  llvm::raw_string_ostream(text) << manifest.toJSON();
  auto parsed = Manifest::fromJSON(text, "manifest.json");
  ASSERT_TRUE(bool(parsed)) << llvm::toString(parsed.takeError());
  EXPECT_EQ(parsed->model, "audiomae-tiny");
  for (size_t g = 0; g < manifest.graphs.size(); ++g) {
    const GraphSignature &a = manifest.graphs[g], &b = parsed->graphs[g];
    EXPECT_EQ(a.name, b.name);
    ASSERT_EQ(a.params.size(), b.params.size());
    for (size_t i = 0; i < a.params.size(); ++i) {
      EXPECT_EQ(a.params[i].name, b.params[i].name);
      EXPECT_EQ(a.params[i].shape, b.params[i].shape);
      EXPECT_EQ(a.params[i].frozen, b.params[i].frozen);
    }
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t i = 0; i < a.outputs.size(); ++i)
      EXPECT_EQ(a.outputs[i].dtype, b.outputs[i].dtype);
  }
  const GraphSignature *pretrain = parsed->find("pretrain");
  ASSERT_NE(pretrain, nullptr);
  EXPECT_EQ(pretrain->outputs[3].name, "ids_restore");
  EXPECT_EQ(pretrain->outputs[3].dtype, DType::I64);
  EXPECT_FALSE(bool(Manifest::fromJSON("{\"graphs\": [{}]}", "bad.json")));
  EXPECT_TRUE(parsed->gpuArch.empty()); // a CPU artifact

  // A CUDA artifact's architecture and GEMM precision round-trip; bad ones
  // are refused by name.
  manifest.gpuArch = "sm_80";
  manifest.gpuGemmPrecision = "bf16";
  manifest.gpuGemmLibrary = "cublas";
  text.clear();
  llvm::raw_string_ostream(text) << manifest.toJSON();
  auto cuda = Manifest::fromJSON(text, "cuda.json");
  ASSERT_TRUE(bool(cuda)) << llvm::toString(cuda.takeError());
  EXPECT_EQ(cuda->gpuArch, "sm_80");
  EXPECT_EQ(cuda->gpuGemmPrecision, "bf16");
  EXPECT_EQ(cuda->gpuGemmLibrary, "cublas");
  auto badArch = Manifest::fromJSON("{\"gpu_arch\": \"volta\", \"graphs\": []}", "a.json");
  ASSERT_FALSE(bool(badArch));
  EXPECT_NE(llvm::toString(badArch.takeError()).find("gpu_arch must name"), std::string::npos);
  auto badPrecision = Manifest::fromJSON(
      "{\"gpu_arch\": \"sm_90\", \"gpu_gemm_precision\": \"fp8\", \"graphs\": []}", "p.json");
  ASSERT_FALSE(bool(badPrecision));
  EXPECT_NE(llvm::toString(badPrecision.takeError()).find("fp32, tf32 or bf16"),
            std::string::npos);
  auto badLibrary = Manifest::fromJSON(
      "{\"gpu_arch\": \"sm_90\", \"gpu_gemm_library\": \"cutlass\", \"graphs\": []}",
      "l.json");
  ASSERT_FALSE(bool(badLibrary));
  EXPECT_NE(llvm::toString(badLibrary.takeError()).find("cublaslt or cublas"),
            std::string::npos);
}
