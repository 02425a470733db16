// RUN: amae-opt %s -amae-cuda-merge-gpu-modules -split-input-file -verify-diagnostics | FileCheck %s

// Two outlined modules become @amae_kernels, and the launches follow.
// CHECK: gpu.module @amae_kernels [#nvvm.target<chip = "sm_90">]
// CHECK-NEXT: gpu.func @a_kernel
// CHECK: gpu.func @b_kernel
// CHECK-NOT: gpu.module
// CHECK-LABEL: func.func @launch
// CHECK: gpu.launch_func @amae_kernels::@a_kernel
// CHECK: gpu.launch_func @amae_kernels::@b_kernel
module attributes {gpu.container_module} {
  gpu.module @a_kernel [#nvvm.target<chip = "sm_90">] {
    gpu.func @a_kernel() kernel {
      gpu.return
    }
  }
  gpu.module @b_kernel [#nvvm.target<chip = "sm_90">] {
    gpu.func @b_kernel() kernel {
      gpu.return
    }
  }
  func.func @launch() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @a_kernel::@a_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @b_kernel::@b_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}

// -----

// A second launch in one function: gpu-kernel-outlining names both kernels
// after the function, in modules of their own names; the module's is kept.
// CHECK-LABEL: gpu.module @amae_kernels
// CHECK: gpu.func @f_kernel() kernel
// CHECK: gpu.func @f_kernel_0() kernel
// CHECK-LABEL: func.func @f
// CHECK: gpu.launch_func @amae_kernels::@f_kernel blocks
// CHECK: gpu.launch_func @amae_kernels::@f_kernel_0 blocks
module attributes {gpu.container_module} {
  gpu.module @f_kernel [#nvvm.target<chip = "sm_90">] {
    gpu.func @f_kernel() kernel {
      gpu.return
    }
  }
  gpu.module @f_kernel_0 [#nvvm.target<chip = "sm_90">] {
    gpu.func @f_kernel() kernel {
      gpu.return
    }
  }
  func.func @f() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}

// -----

// Two other symbols of one name would call the wrong code: an error.
module attributes {gpu.container_module} {
  gpu.module @a [#nvvm.target<chip = "sm_90">] {
    gpu.func @helper() {
      gpu.return
    }
  }
  gpu.module @b [#nvvm.target<chip = "sm_90">] {
    // expected-error @+1 {{two GPU kernels are named helper}}
    gpu.func @helper() {
      gpu.return
    }
  }
}
