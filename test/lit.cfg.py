# -*- Python -*-
# The amae lit suite: Dialect/ (round trips, verifier errors, folders),
# Passes/ (one file per pass flag), Integration/ (end-to-end, REQUIRES:).
import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "AMAE"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.amae_obj_root, "test")
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "unit"]

config.substitutions.append(("%amae_src_root", config.amae_src_root))
config.substitutions.append(("%amae_obj_root", config.amae_obj_root))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
tools = ["amae-opt", "amae-compile", "amae-convert", "amae-run", "amae-compare", "amae-fbank", "amae-train", "amae-gradcheck", "amae-tune", "amae-c-example"]
fuzzers = ["amae-fuzz-spec", "amae-fuzz-safetensors", "amae-fuzz-pth", "amae-fuzz-audio", "amae-fuzz-datalist"]
if all(os.path.exists(os.path.join(config.amae_tools_dir, f)) for f in fuzzers):
    config.available_features.add("fuzzers")
    tools += fuzzers
llvm_config.add_tool_substitutions(tools, [config.amae_tools_dir])

if shutil.which("ptxas", path="/usr/local/cuda/bin"):
    config.available_features.add("ptxas")
    config.environment["CUDA_HOME"] = "/usr/local/cuda"
    config.substitutions.append(("%ptxas", "/usr/local/cuda/bin/ptxas"))
    config.substitutions.append(("%cuda_stub", "/usr/local/cuda/lib64/stubs/libcuda.so"))

config.substitutions.append(
    ("%fake_cuda", os.path.join(config.amae_obj_root, "lib", "libAmaeFakeCuda.so")))

# Two CPUs or more to run on (thread-binding tests).
if len(os.sched_getaffinity(0)) >= 2:
    config.available_features.add("multicore")

# --gemm=onednn (the default when the build found libdnnl-dev).
if config.amae_have_onednn:
    config.available_features.add("onednn")

# Data-parallel training: Open MPI's launcher and amae's MPI plugin. Tests run
# as whatever user CI is (root in containers), on loopback.
if shutil.which("mpirun") and os.path.exists(
        os.path.join(config.amae_obj_root, "lib", "libAmaeMPI.so")):
    config.available_features.add("mpi")
    config.environment["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    config.environment["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
# A GPU that CUDA can use: device tests run only there.
try:
    subprocess.run(["nvidia-smi", "-L"], check=True, capture_output=True, timeout=60)
    config.available_features.add("cuda-device")
except Exception:
    pass
if os.path.exists(os.path.join(config.amae_obj_root, "lib", "libAmaeNCCL.so")):
    config.available_features.add("nccl-plugin")
    config.substitutions.append(
        ("%nccl_plugin", os.path.join(config.amae_obj_root, "lib", "libAmaeNCCL.so")))

# The official golden vectors, a copy of shared/ beside the repository.
golden = os.path.join(os.path.dirname(config.amae_src_root), "shared", "golden", "tiny_s0")
if os.path.isdir(golden):
    config.available_features.add("golden")
    config.substitutions.append(("%golden", golden))

# Audio tools and the PyTorch reference, when installed.
for tool in ["espeak-ng", "sox", "strace"]:
    if shutil.which(tool):
        config.available_features.add(tool)
import subprocess
try:
    subprocess.run(["/usr/bin/python3", "-c", "import torchaudio"], check=True,
                   capture_output=True, timeout=120)
    config.available_features.add("torchaudio")
except Exception:
    pass
