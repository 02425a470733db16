//===- EmitGraphs.h - Model spec to amae IR ---------------------*- C++ -*-===//

#ifndef AMAE_FRONTENDS_SPEC_EMITGRAPHS_H
#define AMAE_FRONTENDS_SPEC_EMITGRAPHS_H

#include "frontends/spec/ModelSpec.h"
#include "abi/Manifest.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

namespace amae {

/// Emits one `func.func` per graph the spec lists (`@infer`, `@pretrain`,
/// `@finetune`) with a static batch size. The signatures are the public
/// contract documented in docs/model-spec.md.
mlir::OwningOpRef<mlir::ModuleOp> emitGraphs(mlir::MLIRContext &context,
                                             const ModelSpec &spec,
                                             int64_t batch);

/// Adds the spec's graphs at batch size `batch` to `module` (emitted by
/// emitGraphs at another size) as `<graph>_b<batch>`; every graph function
/// records its size in `amae.batch`.
void appendBatchVariant(mlir::ModuleOp module, mlir::MLIRContext &context, const ModelSpec &spec,
                        int64_t batch);

/// The manifest of an emitted (or lowered) module: each graph's named
/// inputs, parameters and outputs, read off the `amae.*` attributes.
Manifest manifestOf(mlir::ModuleOp module);

/// Puts every graph's `amae.input` arguments before its `amae.param`
/// arguments (each group in its own order), the calling convention of the
/// runtime, which passes inputs and then parameters. Hand-written IR may
/// interleave them; an argument that is neither is an error.
mlir::LogicalResult orderGraphArguments(mlir::ModuleOp module);

/// Adds `<G>_adamw` for each training graph G of `module` (after autodiff,
/// so the gradients' names exist): one AdamW step with the official
/// parameter groups and the spec's hyperparameters.
void emitOptimizers(mlir::ModuleOp module, const ModelSpec &spec);

/// Adds `<G>_step` for each training graph G that has gradients and
/// `<G>_adamw`: G's forward and backward, then the AdamW updates fed the
/// gradients directly. The gradients are no outputs, so they live in the
/// graph's buffers (the activations' memory, largely dead by then) instead
/// of being returned whole; parameters and moments are updated in place.
/// Puts the new inputs before the parameters (orderGraphArguments).
mlir::LogicalResult appendFusedSteps(mlir::ModuleOp module);

/// Registers and loads the dialects the emitted IR uses.
void loadGraphDialects(mlir::MLIRContext &context);

} // namespace amae

#endif // AMAE_FRONTENDS_SPEC_EMITGRAPHS_H
