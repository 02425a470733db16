//===- AmaeDialect.td - The amae dialect --------------------*- tablegen -*-===//
//
// The amae dialect models AudioMAE (Huang et al. 2022) as it is implemented in
// facebookresearch/AudioMAE: the Kaldi fbank front end, spectrogram patches,
// masking, the encoder's global attention, the decoder's shifted-window cosine
// attention, the losses and the AdamW update.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_DIALECT
#define AMAE_DIALECT

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

def Amae_Dialect : Dialect {
  let name = "amae";
  let summary = "Masked autoencoders for audio spectrograms.";
  let description = [{
    The `amae` dialect holds the operations of AudioMAE at the granularity a
    user of the model reasons in: a Kaldi filter bank, a patch embedding, the
    random masking of pretraining, a window attention of the decoder. Each op
    is exact with respect to the official implementation (commit bd60e29):
    where the official code has a quirk (the transposed position grid, the
    -100 shift mask, the `int(L * (1 - r))` keep count) the op reproduces it
    and its description says so.

    Tensors are `f32` unless an op says otherwise; token indices are `i64`.
    Token order is time-major: token `n = t * F + f` for a grid of `T` time
    and `F` frequency patches.

    Every op lists its constraints as `<op>_cN`. The verifier cites the same
    ids in its diagnostics, and `test/Dialect/*-errors.mlir` holds one test
    per id.
  }];
  let cppNamespace = "::mlir::amae";
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

class Amae_Op<string mnemonic, list<Trait> traits = []>
    : Op<Amae_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Amae_F32Tensor : RankedTensorOf<[F32]>;
def Amae_I64Tensor : RankedTensorOf<[I64]>;
def Amae_F32Scalar : 0DTensorOf<[F32]>;
def Amae_I64Scalar : 0DTensorOf<[I64]>;

#endif // AMAE_DIALECT
