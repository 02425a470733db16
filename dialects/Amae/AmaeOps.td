//===- AmaeOps.td - amae operations ------------------------*- tablegen -*-===//
//
// The op families live in one file each; this file only gathers them so that
// a single TableGen invocation produces AmaeOps.{h,cpp}.inc and one doc page.
//
//===----------------------------------------------------------------------===//

#ifndef AMAE_OPS
#define AMAE_OPS

include "dialects/Amae/AmaeDialect.td"
include "dialects/Amae/AudioOps.td"
include "dialects/Amae/PatchOps.td"
include "dialects/Amae/MaskingOps.td"
include "dialects/Amae/AttentionOps.td"
include "dialects/Amae/LayerOps.td"
include "dialects/Amae/LossOps.td"
include "dialects/Amae/OptimizerOps.td"
include "dialects/Amae/KernelOps.td"

#endif // AMAE_OPS
