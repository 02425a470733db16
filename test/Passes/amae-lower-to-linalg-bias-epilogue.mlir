// RUN: amae-opt %s -amae-lower-to-linalg=bias-epilogue=true | FileCheck %s
// RUN: amae-opt %s -amae-lower-to-linalg | FileCheck %s --check-prefix=FIRST

// With bias-epilogue the matmul starts from zero and the bias is added after
// the reshape back to the input's rank, where fusion can fold it into the
// next elementwise op; by default the matmul starts from the broadcast bias.
// CHECK-LABEL: func.func @linear
// CHECK: %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<14x3xf32>)
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<14x8xf32>, tensor<3x8xf32>) outs(%[[Z]] : tensor<14x3xf32>)
// CHECK: %[[E:.*]] = tensor.expand_shape %[[Y]]
// CHECK: linalg.generic {{.*}} ins(%[[E]], %{{.*}} : tensor<2x7x3xf32>, tensor<3xf32>)
// CHECK: arith.addf
// FIRST-LABEL: func.func @linear
// FIRST-NOT: linalg.fill
// FIRST: linalg.generic {{.*}} ins(%{{.*}} : tensor<3xf32>) outs(%{{.*}} : tensor<14x3xf32>)
func.func @linear(%x: tensor<2x7x8xf32>, %w: tensor<3x8xf32>, %b: tensor<3xf32>) -> tensor<2x7x3xf32> {
  %y = amae.linear %x, %w, %b : (tensor<2x7x8xf32>, tensor<3x8xf32>, tensor<3xf32>) -> tensor<2x7x3xf32>
  return %y : tensor<2x7x3xf32>
}
